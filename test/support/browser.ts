import { existsSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/**
 * The Chromium to drive: `T2T_CHROMIUM` when set (and only it), else Debian's `chromium` package
 * (or a `chromium-browser` / Chrome install) where it puts it. Undefined when there is none:
 * browser tests then skip and say why (`.ci/run` installs Debian's package when it can).
 */
export function findChromium(): string | undefined {
  const chosen = process.env.T2T_CHROMIUM;
  const candidates = chosen
    ? [chosen]
    : [
        '/usr/bin/chromium',
        '/usr/bin/chromium-browser',
        '/usr/bin/google-chrome',
        '/usr/bin/google-chrome-stable',
      ];
  return candidates.find((c) => existsSync(c));
}

/**
 * Share of a screenshot's pixels that differ clearly from its background (the colour of its
 * top-left pixel): a rendered map or waterfall is mostly ink, a failed render is blank.
 */
export function nonBlankShare(png: Buffer | Uint8Array): number {
  const image = PNG.sync.read(Buffer.from(png));
  const { data, width, height } = image;
  const [r0, g0, b0] = [data[0], data[1], data[2]];
  let ink = 0;
  for (let i = 0; i < width * height * 4; i += 4) {
    const d = Math.max(
      Math.abs(data[i] - r0),
      Math.abs(data[i + 1] - g0),
      Math.abs(data[i + 2] - b0),
    );
    if (d > 32) ink++;
  }
  return ink / (width * height);
}

/** axe-core's browser build, to evaluate in a page. */
export function axeSource(): string {
  return readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
}
