/* Starts Swagger UI from the page's JSON settings (no inline script), then configures the
   OAuth2 sign-in: the public client's id and PKCE for the authorization code flow. */
const read = (id) => JSON.parse(document.getElementById(id).textContent);

const config = read("swagger-settings");
config.dom_id = "#swagger-ui";
config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];

const ui = SwaggerUIBundle(config);
ui.initOAuth(read("swagger-init-oauth"));
