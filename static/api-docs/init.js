// Starts Swagger UI on the API's description. A file of its own: the page's policy allows
// scripts from this server only, never inline.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
  });
});
