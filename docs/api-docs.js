// Renders /openapi.yaml. A file of its own, not inline: the page's policy
// runs no inline script. No validator badge: it would call swagger.io.
window.addEventListener('load', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.yaml',
    dom_id: '#swagger-ui',
    validatorUrl: null,
    deepLinking: true,
  });
});
