// The API reference at /docs: Swagger UI (npm swagger-ui-dist, pinned, served by the
// gateway, no CDN) reading the gateway's own OpenAPI document.
window.SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  validatorUrl: null,
});
