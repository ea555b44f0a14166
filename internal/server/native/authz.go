package native

import (
	"bytes"
	"cmp"
	"io"
	"net/http"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/service"
)

// Authorization: every route of the API has a rule here, the role it
// needs and where the namespace it touches comes from. routes() refuses
// to register a route without one, so a new route cannot be left open by
// mistake; the server's route test walks them all with a token of the
// wrong namespace and one of too weak a role.

// scope says where the namespace of a request comes from.
type scope int

const (
	// inNamespace: the namespace of the ARNs the request names (its {arn}
	// or {name} when they are ARNs, ?workflow= when it is one), else
	// ?namespace= ("default" when absent; "*" asks for the role somewhere,
	// and the listing shows only the namespaces the caller may see).
	inNamespace scope = iota
	// anyNamespace: the role held in some namespace (content-addressed
	// bundles, the pipeline schema, the list of namespaces, which shows
	// only the visible ones).
	anyNamespace
	// everyNamespace: the role on every namespace (a '*' grant): creating
	// namespaces is the platform's admins' work.
	everyNamespace
	// ofTaskToken: the namespace of the execution whose task the body's
	// taskToken names.
	ofTaskToken
)

// rule is a route's authorization.
type rule struct {
	role  auth.Role
	scope scope
}

// bodyRoutes are the routes whose body may name ARNs of other namespaces
// (a rule's bus and its targets' workflows, events' buses): it is read
// before the route (the others' bodies name nothing another namespace
// owns, or are too big to read twice: bundles).
var bodyRoutes = map[string]bool{"POST /api/v1/rules": true, "POST /api/v1/events": true}

// rules are the routes' authorizations, by ServeMux pattern.
var rules = map[string]rule{
	"GET /api/v1/workflows":                          {auth.Viewer, inNamespace},
	"POST /api/v1/workflows":                         {auth.Deployer, inNamespace},
	"GET /api/v1/workflows/{name}":                   {auth.Viewer, inNamespace},
	"DELETE /api/v1/workflows/{name}":                {auth.Deployer, inNamespace},
	"GET /api/v1/workflows/{name}/versions":          {auth.Viewer, inNamespace},
	"POST /api/v1/workflows/{name}/versions":         {auth.Deployer, inNamespace},
	"POST /api/v1/workflows/{name}/executions":       {auth.Operator, inNamespace},
	"GET /api/v1/workflows/{name}/triggers":          {auth.Viewer, inNamespace},
	"POST /api/v1/workflows/{name}/schedules/pause":  {auth.Operator, inNamespace},
	"POST /api/v1/workflows/{name}/schedules/resume": {auth.Operator, inNamespace},
	"GET /api/v1/workflows/{name}/notifications":     {auth.Viewer, inNamespace},
	"PUT /api/v1/workflows/{name}/notifications":     {auth.Deployer, inNamespace},
	"DELETE /api/v1/workflows/{name}/notifications":  {auth.Deployer, inNamespace},
	"GET /api/v1/notifications/failed":               {auth.Viewer, inNamespace},
	"POST /api/v1/notifications/failed/retry":        {auth.Operator, inNamespace},
	"POST /api/v1/notifications/test":                {auth.Deployer, inNamespace},
	"GET /api/v1/notifications/status":               {auth.Viewer, anyNamespace},
	"GET /api/v1/executions":                         {auth.Viewer, inNamespace},
	"GET /api/v1/executions/{arn}":                   {auth.Viewer, inNamespace},
	"GET /api/v1/executions/{arn}/history":           {auth.Viewer, inNamespace},
	"GET /api/v1/executions/{arn}/events":            {auth.Viewer, inNamespace},
	"GET /api/v1/executions/{arn}/logs":              {auth.Viewer, inNamespace},
	"POST /api/v1/executions/{arn}/stop":             {auth.Operator, inNamespace},
	"POST /api/v1/executions/{arn}/redrive":          {auth.Operator, inNamespace},
	"POST /api/v1/executions/{arn}/retry":            {auth.Operator, inNamespace},
	// every execution's updates, only those of the visible namespaces;
	// ?workflow= is checked by the route
	"GET /api/v1/events":                  {auth.Viewer, anyNamespace},
	"GET /api/v1/activities":              {auth.Viewer, inNamespace},
	"POST /api/v1/activities":             {auth.Deployer, inNamespace},
	"GET /api/v1/activities/{name}":       {auth.Viewer, inNamespace},
	"DELETE /api/v1/activities/{name}":    {auth.Deployer, inNamespace},
	"POST /api/v1/activities/{name}/poll": {auth.Operator, inNamespace},
	"POST /api/v1/tasks/success":          {auth.Operator, ofTaskToken},
	"POST /api/v1/tasks/failure":          {auth.Operator, ofTaskToken},
	"POST /api/v1/tasks/heartbeat":        {auth.Operator, ofTaskToken},
	"POST /api/v1/tasks/logs":             {auth.Operator, ofTaskToken},
	"GET /api/v1/schemas/pipeline.json":   {auth.Viewer, anyNamespace},
	"POST /api/v1/bundles":                {auth.Deployer, anyNamespace},
	"GET /api/v1/bundles/{digest}":        {auth.Deployer, anyNamespace},
	"GET /api/v1/namespaces":              {auth.Viewer, anyNamespace},
	"POST /api/v1/namespaces":             {auth.Admin, everyNamespace},
	// retention deletes runs' histories: the platform's admins decide
	"PUT /api/v1/namespaces/{name}": {auth.Admin, everyNamespace},
	// ?namespace=* (every namespace's entries) is checked by the route
	"GET /api/v1/audit":                  {auth.Admin, inNamespace},
	"GET /api/v1/grants":                 {auth.Viewer, inNamespace},
	"POST /api/v1/grants":                {auth.Admin, inNamespace}, // the granting namespace's admin
	"DELETE /api/v1/grants":              {auth.Admin, inNamespace},
	"GET /api/v1/rules":                  {auth.Viewer, inNamespace},
	"POST /api/v1/rules":                 {auth.Deployer, inNamespace},
	"GET /api/v1/rules/{name}":           {auth.Viewer, inNamespace},
	"DELETE /api/v1/rules/{name}":        {auth.Deployer, inNamespace},
	"POST /api/v1/rules/{name}/enable":   {auth.Deployer, inNamespace},
	"POST /api/v1/rules/{name}/disable":  {auth.Deployer, inNamespace},
	"POST /api/v1/events":                {auth.Operator, inNamespace},
	"GET /api/v1/bus/events":             {auth.Viewer, inNamespace},
	"GET /api/v1/workflows/{name}/graph": {auth.Viewer, inNamespace},
	"GET /api/v1/workflows/{name}/grid":  {auth.Viewer, inNamespace},
	"GET /api/v1/executions/{arn}/steps": {auth.Viewer, inNamespace},
	"GET /api/v1/lineage":                {auth.Viewer, inNamespace},
}

// authorize checks the caller's role for a request of pattern.
func (h *handler) authorize(pattern string, w http.ResponseWriter, r *http.Request) error {
	ru := rules[pattern]
	ctx := r.Context()
	auth.NoteResource(ctx, cmp.Or(r.PathValue("arn"), r.PathValue("name"), r.URL.Query().Get("workflow")))
	switch ru.scope {
	case anyNamespace:
		return auth.Require(ctx, auth.AllNamespaces, ru.role)
	case everyNamespace:
		return auth.RequireEvery(ctx, ru.role)
	case ofTaskToken:
		nss, err := h.taskNamespaces(w, r)
		if err != nil {
			return err
		}
		if len(nss) == 0 {
			// No open task named: the route refuses the body itself.
			nss = []string{auth.AllNamespaces}
		}
		for _, ns := range nss {
			if err := auth.Require(ctx, ns, ru.role); err != nil {
				return err
			}
		}
		return nil
	}
	nss, err := h.requestNamespaces(w, r, bodyRoutes[pattern])
	if err != nil {
		return err
	}
	for _, ns := range nss {
		if err := auth.Require(ctx, ns, ru.role); err != nil {
			return err
		}
	}
	return nil
}

// requestNamespaces are the namespaces a request touches (see
// inNamespace).
func (h *handler) requestNamespaces(w http.ResponseWriter, r *http.Request, body bool) ([]string, error) {
	qns := namespaceOf(r)
	if qns == "" {
		qns = service.DefaultNamespace
	}
	var out []string
	named := false
	q := r.URL.Query()
	// Trimmed as the routes trim them (pathName): " arn:..." is an ARN.
	for _, v := range []string{r.PathValue("arn"), r.PathValue("name"), q.Get("workflow"), q.Get("bus")} {
		switch v = strings.TrimSpace(v); {
		case strings.HasPrefix(v, "arn:"):
			ns, err := h.svc.NamespaceOfArn(r.Context(), v)
			if err != nil {
				return nil, err
			}
			out = append(out, ns)
		case v != "":
			named = true
		}
	}
	// And every ARN the body names (a rule's bus, its targets'
	// workflows, events' buses): httpx.Scan reads it as the routes do.
	if body {
		body, err := h.peekBody(w, r)
		if err != nil {
			return nil, err
		}
		for _, arn := range httpx.Scan(body).Arns {
			ns, err := h.svc.NamespaceOfArn(r.Context(), arn)
			if err != nil {
				return nil, err
			}
			out = append(out, ns)
		}
	}
	if named || len(out) == 0 {
		out = append(out, qns)
	}
	return out, nil
}

// peekBody reads the request's body as the routes read it (bounded,
// within the read timeout and the servers' body memory) and puts it back
// for the route.
func (h *handler) peekBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := httpx.ReadBody(w, r, h.bodyLimit, h.svc.Config().MaxPayloadBytes)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// taskNamespaces are the namespaces of the runs whose open tasks the
// body's task tokens name (read as the route reads them: httpx.Scan);
// none when it names no open task (the route refuses it).
func (h *handler) taskNamespaces(w http.ResponseWriter, r *http.Request) ([]string, error) {
	body, err := h.peekBody(w, r)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, token := range httpx.Scan(body).Tokens {
		ns, err := h.svc.TaskNamespace(r.Context(), token)
		if _, ok := apierr.As(err); ok {
			continue // an unknown or closed task: the route says so
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ns)
	}
	return out, nil
}

// RouteRule is a route's authorization, for the server's test that walks
// every route.
type RouteRule struct {
	Pattern string
	Role    auth.Role
	// Scope is where the namespace comes from: "namespace" (?namespace=
	// or the ARNs named), "any" (the role in some namespace), "every" (on
	// every namespace) or "task" (the task token's execution).
	Scope string
}

// Routes lists the API's routes with their authorization.
func Routes() []RouteRule {
	var out []RouteRule
	for _, r := range (&handler{}).table() {
		ru := rules[r.pattern]
		out = append(out, RouteRule{r.pattern, ru.role, [...]string{"namespace", "any", "every", "task"}[ru.scope]})
	}
	return out
}
