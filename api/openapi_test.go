package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
)

type openapiDoc struct {
	OpenAPI string `json:"openapi"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		Responses       map[string]json.RawMessage `json:"responses"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type operation struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]json.RawMessage `json:"responses"`
	Security    *[]map[string][]string     `json:"security"`
	Scopes      []string                   `json:"x-outpost-scopes"`
	Parameters  []parameter                `json:"parameters"`
}

type parameter struct {
	Name string `json:"name"`
	In   string `json:"in"`
}

// TestOpenAPIMatchesRoutes walks the real chi routes and the served
// document: every route is documented, every documented operation exists,
// and the document is well formed enough for a client generator.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, testenvSQLite(t), nil)

	// Served without a token, and the same bytes as the embedded document.
	r := e.do("GET", "/api/v1/openapi.json", "none", nil).must(t, http.StatusOK)
	if string(r.Body) != string(api.OpenAPIDocument()) {
		t.Fatal("served document differs from the embedded one")
	}
	var doc openapiDoc
	decodeInto(t, r.Body, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Servers) != 1 || doc.Servers[0].URL != api.Prefix {
		t.Fatalf("openapi %q servers %v", doc.OpenAPI, doc.Servers)
	}

	documented := map[string]bool{}
	opIDs := map[string]bool{}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			if method == "parameters" {
				continue
			}
			key := strings.ToUpper(method) + " " + api.Prefix + path
			documented[key] = true
			var op operation
			decodeInto(t, raw, &op)
			if op.OperationID == "" || opIDs[op.OperationID] {
				t.Errorf("%s: missing or duplicate operationId %q", key, op.OperationID)
			}
			opIDs[op.OperationID] = true
			if len(op.Responses) == 0 {
				t.Errorf("%s: no responses", key)
			}
			for _, seg := range strings.Split(path, "/") {
				if strings.HasPrefix(seg, "{") {
					name := strings.Trim(seg, "{}")
					if !slices.ContainsFunc(op.Parameters, func(p parameter) bool { return p.Name == name && p.In == "path" }) {
						t.Errorf("%s: path parameter %s not declared", key, name)
					}
				}
			}
			public := op.Security != nil && len(*op.Security) == 0
			if !public {
				if _, ok := op.Responses["401"]; !ok {
					t.Errorf("%s: authenticated operation without a 401 answer", key)
				}
				if len(op.Scopes) == 0 || !slices.Contains(op.Scopes, store.ScopeAdmin) {
					t.Errorf("%s: x-outpost-scopes %v must list the scopes, admin included", key, op.Scopes)
				}
			}
		}
	}

	routes, ok := api.New(api.Options{Store: e.db, Quotas: e.quotas, Reviews: e.reviews.svc}).(chi.Routes)
	if !ok {
		t.Fatal("api.New does not return a chi router")
	}
	served := map[string]bool{}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if len(route) > 1 {
			route = strings.TrimSuffix(route, "/")
		}
		served[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(served) < 10 {
		t.Fatalf("walk found only %v", served)
	}
	for _, k := range sortedKeys(served) {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !served[k] {
			t.Errorf("openapi.json documents %s, which the router does not serve", k)
		}
	}

	// Every $ref resolves.
	var whole any
	decodeInto(t, r.Body, &whole)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				var found bool
				if len(parts) == 2 {
					switch parts[0] {
					case "schemas":
						_, found = doc.Components.Schemas[parts[1]]
					case "responses":
						_, found = doc.Components.Responses[parts[1]]
					}
				}
				if !found {
					t.Errorf("unresolved $ref %q", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(whole)
}

// TestOpenAPIScopesMatchRouter checks that each operation's documented
// scopes are exactly who the router lets in.
func TestOpenAPIScopesMatchRouter(t *testing.T) {
	e := newEnv(t, testenvSQLite(t), nil)
	e.seed("acme", "trial", store.Signup{})
	var doc openapiDoc
	decodeInto(t, api.OpenAPIDocument(), &doc)
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			var op operation
			decodeInto(t, raw, &op)
			if len(op.Scopes) == 0 {
				continue
			}
			p := api.Prefix + strings.ReplaceAll(path, "{id}", "acme")
			for _, scope := range []string{store.ScopeSupport, store.ScopeBilling} {
				// An empty body: allowed callers get past the scope check and
				// fail validation (4xx other than 403); others get 403.
				r := e.do(strings.ToUpper(method), p, scope, "{}")
				if got, want := r.Status == http.StatusForbidden, !slices.Contains(op.Scopes, scope); got != want {
					t.Errorf("%s %s as %s: status %d, document says scopes %v", method, path, scope, r.Status, op.Scopes)
				}
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
