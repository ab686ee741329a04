package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// openAPIFile is the document on disk; it is embedded as openapiDoc.
const openAPIFile = "openapi.json"

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIUndocumented are routes served under /api/v1 outside s.api, which
// the document does not list as operations.
var openAPIUndocumented = map[string]bool{"GET /api/v1/openapi.json": true}

func openAPILoad(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, openapiDoc) {
		t.Fatalf("the embedded openapiDoc differs from %s", openAPIFile)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s is not valid JSON: %v", openAPIFile, err)
	}
	return doc
}

// openAPIServer returns a server whose routes are registered.
func openAPIServer(t *testing.T) (*Server, http.Handler) {
	t.Helper()
	st := storetest.Open(t, store.SQLite, storetest.Options{})
	srv, err := New(st, Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler() // registers the routes, filling APIRoutes
	return srv, h
}

// openAPIOps returns the operations of the document by "METHOD path".
func openAPIOps(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, _ := doc["paths"].(map[string]any)
	ops := map[string]map[string]any{}
	for path, item := range paths {
		pi, ok := item.(map[string]any)
		if !ok {
			t.Errorf("%s: paths[%q] is not an object", openAPIFile, path)
			continue
		}
		for _, m := range openAPIMethods {
			if o, ok := pi[m].(map[string]any); ok {
				ops[strings.ToUpper(m)+" "+path] = o
			}
		}
	}
	return ops
}

func TestOpenAPIDocument(t *testing.T) {
	doc := openAPILoad(t)
	if v := doc["openapi"]; v != "3.0.3" {
		t.Errorf(`%s: openapi = %v, want "3.0.3"`, openAPIFile, v)
	}
	info, _ := doc["info"].(map[string]any)
	if info == nil || info["title"] == "" || info["title"] == nil || info["version"] == nil {
		t.Errorf("%s: info must be an object with title and version, got %v", openAPIFile, doc["info"])
	}
	if p, _ := doc["paths"].(map[string]any); len(p) == 0 {
		t.Errorf("%s: paths is missing or empty", openAPIFile)
	}
	comps, _ := doc["components"].(map[string]any)
	if comps == nil {
		t.Fatalf("%s: components is missing", openAPIFile)
	}
	schemas, _ := comps["schemas"].(map[string]any)
	for _, name := range []string{"Org", "Person", "PersonCreate", "PersonPatch", "Revealed", "Family", "FamilyMember",
		"User", "UserCreate", "Role", "Dictionary", "DictionaryItem", "AuditEntry", "Error"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("%s: components.schemas.%s is missing", openAPIFile, name)
		}
	}
	schemes, _ := comps["securitySchemes"].(map[string]any)
	bearer, _ := schemes["bearerAuth"].(map[string]any)
	if bearer["type"] != "http" || bearer["scheme"] != "bearer" {
		t.Errorf("%s: components.securitySchemes.bearerAuth must be an HTTP bearer scheme, got %v", openAPIFile, bearer)
	}
	if sec, _ := json.Marshal(doc["security"]); string(sec) != `[{"bearerAuth":[]}]` {
		t.Errorf("%s: top-level security = %s, want [{\"bearerAuth\":[]}]", openAPIFile, sec)
	}
}

// TestOpenAPIMatchesRoutes checks that the document lists exactly the
// routes registered with s.api, with the right security and permissions.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := openAPILoad(t)
	srv, _ := openAPIServer(t)
	ops := openAPIOps(t, doc)

	served := map[string]apiRoute{}
	for _, r := range srv.APIRoutes() {
		served[r.Method+" "+r.Path] = r
	}
	if len(served) == 0 {
		t.Fatal("APIRoutes() is empty: routes were not registered")
	}
	var missing, extra []string
	for k := range served {
		if _, ok := ops[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range ops {
		if _, ok := served[k]; !ok && !openAPIUndocumented[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	for _, k := range missing {
		method, path, _ := strings.Cut(k, " ")
		t.Errorf("route %s is served (registered with s.api) but missing from %s: add paths[%q].%s", k, openAPIFile, path, strings.ToLower(method))
	}
	for _, k := range extra {
		t.Errorf("%s documents %s, but no such route is registered with s.api: remove it or fix its method/path template", openAPIFile, k)
	}

	for k, r := range served {
		o, ok := ops[k]
		if !ok {
			continue
		}
		sec, isList := o["security"].([]any)
		emptySec := isList && len(sec) == 0
		if r.Public && !emptySec {
			t.Errorf("%s: %s is public (no sign-in) and must have \"security\": []", openAPIFile, k)
		}
		if !r.Public && emptySec {
			t.Errorf("%s: %s needs a session but has \"security\": [] (remove it to inherit bearerAuth)", openAPIFile, k)
		}
		perm, _ := o["x-permission"].(string)
		if perm != string(r.Perm) {
			t.Errorf("%s: %s has x-permission %q, but the route requires %q", openAPIFile, k, perm, r.Perm)
		}
	}
}

var openAPIPathParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIOperations checks every operation's responses and path
// parameters, and that every $ref resolves.
func TestOpenAPIOperations(t *testing.T) {
	doc := openAPILoad(t)
	comps, _ := doc["components"].(map[string]any)
	resolve := func(v any) map[string]any {
		m, _ := v.(map[string]any)
		if r, ok := m["$ref"].(string); ok {
			parts := strings.Split(strings.TrimPrefix(r, "#/components/"), "/")
			if len(parts) == 2 {
				sec, _ := comps[parts[0]].(map[string]any)
				m, _ = sec[parts[1]].(map[string]any)
			}
		}
		return m
	}

	paths, _ := doc["paths"].(map[string]any)
	opIDs := map[string]string{}
	for path, item := range paths {
		pi, _ := item.(map[string]any)
		var wantParams []string
		for _, m := range openAPIPathParam.FindAllStringSubmatch(path, -1) {
			wantParams = append(wantParams, m[1])
		}
		slices.Sort(wantParams)
		common, _ := pi["parameters"].([]any)
		for _, m := range openAPIMethods {
			o, ok := pi[m].(map[string]any)
			if !ok {
				continue
			}
			k := strings.ToUpper(m) + " " + path
			if s, _ := o["summary"].(string); s == "" {
				t.Errorf("%s: %s has no summary", openAPIFile, k)
			}
			if id, _ := o["operationId"].(string); id == "" {
				t.Errorf("%s: %s has no operationId", openAPIFile, k)
			} else if prev, dup := opIDs[id]; dup {
				t.Errorf("%s: operationId %q is used by both %s and %s", openAPIFile, id, prev, k)
			} else {
				opIDs[id] = k
			}
			resps, _ := o["responses"].(map[string]any)
			has2xx := false
			for code := range resps {
				if len(code) == 3 && code[0] == '2' {
					has2xx = true
				}
			}
			if !has2xx {
				t.Errorf("%s: %s has no 2xx response", openAPIFile, k)
			}
			var gotParams []string
			own, _ := o["parameters"].([]any)
			for _, p := range append(slices.Clone(common), own...) {
				pm := resolve(p)
				if pm["in"] == "path" {
					name, _ := pm["name"].(string)
					gotParams = append(gotParams, name)
					if pm["required"] != true {
						t.Errorf("%s: %s: path parameter %q must be required", openAPIFile, k, name)
					}
				}
			}
			slices.Sort(gotParams)
			if !slices.Equal(gotParams, wantParams) {
				t.Errorf("%s: %s declares path parameters %v, want %v (from the path template)", openAPIFile, k, gotParams, wantParams)
			}
		}
	}

	// Every $ref points at an existing component.
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"]; ok {
				rs, _ := r.(string)
				parts := strings.Split(strings.TrimPrefix(rs, "#/components/"), "/")
				if !strings.HasPrefix(rs, "#/components/") || len(parts) != 2 {
					t.Errorf("%s: %s: $ref %q is not of the form #/components/<section>/<name>", openAPIFile, where, rs)
				} else if sec, _ := comps[parts[0]].(map[string]any); sec[parts[1]] == nil {
					t.Errorf("%s: %s: $ref %q does not resolve to a component", openAPIFile, where, rs)
				}
			}
			for k, e := range x {
				walk(where+"/"+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s/%d", where, i), e)
			}
		}
	}
	walk("#", doc)
}

func TestOpenAPIServed(t *testing.T) {
	_, h := openAPIServer(t)
	hs := httptest.NewServer(h)
	defer hs.Close()
	resp, err := http.Get(hs.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: status %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET /api/v1/openapi.json: Content-Type %q, want application/json", ct)
	}
	want, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("GET /api/v1/openapi.json does not serve %s as it is", openAPIFile)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc["openapi"] != "3.0.3" {
		t.Errorf("GET /api/v1/openapi.json: not an OpenAPI 3.0.3 document (err %v)", err)
	}
}
