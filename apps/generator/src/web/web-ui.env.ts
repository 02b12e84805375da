import { bool, type ConfigOf, defineEnv } from '@t2t/config';

/** The web UI's options (composed into the generator's and the all-in-one server's environment). */
export const webUiEnv = defineEnv('webUi', {
  enabled: bool({
    key: 'WEB_UI',
    default: true,
    doc: 'Serve the web UI at `/` (the model map, behaviours, tests, runs and drift; it reads the GraphQL API with the same API keys). Its scripts and styles are bundled: the page loads nothing from elsewhere.',
  }),
});

export type WebUiConfig = ConfigOf<typeof webUiEnv>;
