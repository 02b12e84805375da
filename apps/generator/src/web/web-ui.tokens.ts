/** The rendered index page (the API's path and auth mode written in). */
export const WEB_UI_INDEX = Symbol('WEB_UI_INDEX');
