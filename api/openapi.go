package api

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openapiDoc []byte

// OpenAPIDocument returns a copy of the API's OpenAPI 3 document, which is
// also served without a token at /api/v1/openapi.json.
func OpenAPIDocument() []byte { return append([]byte(nil), openapiDoc...) }

// GET /openapi.json (no token: the document holds no secrets).
func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(openapiDoc)
}
