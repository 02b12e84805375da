import { Controller, Get, Inject, Logger, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { WebUiAssets } from './web-ui.assets';
import type { WebUiBundle } from './web-ui.bundle';
import { WEB_UI_INDEX } from './web-ui.tokens';

/**
 * What every UI response carries: the page may load scripts, styles and data from this server
 * only (the API included), and nothing may frame it.
 */
function secure(res: Response): Response {
  return res
    .setHeader(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
    .setHeader('X-Content-Type-Options', 'nosniff')
    .setHeader('Referrer-Policy', 'no-referrer')
    .setHeader('Cache-Control', 'no-cache');
}

/**
 * The web UI: the page at `/` and its two assets under `/assets/`. Views are addressed by the
 * URL's fragment (`/#/endpoint/...`), so no other path is taken from the API, health or metrics.
 */
@Controller()
export class WebUiController {
  constructor(
    private readonly assets: WebUiAssets,
    @Inject(WEB_UI_INDEX) private readonly index: string,
  ) {}

  private readonly log = new Logger('web-ui');

  /** The bundle; a failed build (a developer's syntax error) answers 500 with the reason. */
  private async bundle(res: Response): Promise<WebUiBundle | undefined | 'failed'> {
    try {
      return await this.assets.bundle();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.error(`could not bundle the web UI: ${message}`);
      secure(res).status(500).type('text/plain').send(`could not bundle the web UI: ${message}\n`);
      return 'failed';
    }
  }

  @Get()
  async page(@Res() res: Response): Promise<void> {
    const bundle = await this.bundle(res);
    if (bundle === 'failed') return;
    if (!bundle) {
      secure(res)
        .status(503)
        .type('text/plain')
        .send(`web UI unavailable: ${this.assets.describe()}\n`);
      return;
    }
    secure(res).type('html').send(this.index);
  }

  @Get('assets/:name')
  async asset(@Param('name') name: string, @Res() res: Response): Promise<void> {
    const bundle = await this.bundle(res);
    if (bundle === 'failed') return;
    const asset = bundle?.assets.get(name);
    if (!asset) throw new NotFoundException();
    secure(res).setHeader('Content-Type', asset.contentType).send(asset.body);
  }
}
