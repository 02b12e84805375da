import { type DynamicModule, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { GraphqlApiConfig } from '../graphql/graphql-api.env';
import { locateWebUi, WebUiAssets } from './web-ui.assets';
import { renderWebUiIndex } from './web-ui.bundle';
import { WebUiController } from './web-ui.controller';
import type { WebUiConfig } from './web-ui.env';
import { WEB_UI_INDEX } from './web-ui.tokens';

/**
 * Serves the web UI (apps/web) at `/` beside the GraphQL API it reads: in the generator service
 * and in the all-in-one server. The page is static; every piece of data comes from the API, with
 * the API key the user gives when auth is on.
 */
@Module({})
export class WebUiModule implements OnModuleInit {
  constructor(private readonly assets: WebUiAssets) {}

  /** The UI, or nothing when `WEB_UI=false`. */
  static forRoot(config: WebUiConfig, graphql: GraphqlApiConfig): DynamicModule[] {
    return config.enabled ? [WebUiModule.serving(graphql)] : [];
  }

  private static serving(graphql: GraphqlApiConfig): DynamicModule {
    return {
      module: WebUiModule,
      controllers: [WebUiController],
      providers: [
        {
          provide: WebUiAssets,
          useFactory: () => new WebUiAssets(locateWebUi(__dirname, __filename.endsWith('.ts'))),
        },
        {
          provide: WEB_UI_INDEX,
          useValue: renderWebUiIndex({ graphqlPath: graphql.path, auth: graphql.auth }),
        },
      ],
    };
  }

  onModuleInit(): void {
    new Logger('web-ui').log(`web UI at / (${this.assets.describe()})`);
  }
}
