package native

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/auth"
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
func (h *handler) authorize(pattern string, r *http.Request) error {
	ru := rules[pattern]
	ctx := r.Context()
	auth.NoteResource(ctx, cmp.Or(r.PathValue("arn"), r.PathValue("name"), r.URL.Query().Get("workflow")))
	switch ru.scope {
	case anyNamespace:
		return auth.Require(ctx, auth.AllNamespaces, ru.role)
	case everyNamespace:
		return auth.RequireEvery(ctx, ru.role)
	case ofTaskToken:
		ns, found, err := h.taskNamespace(r)
		if err != nil {
			return err
		}
		if !found {
			// No token to find: the route refuses the body itself.
			ns = auth.AllNamespaces
		}
		return auth.Require(ctx, ns, ru.role)
	}
	nss, err := h.requestNamespaces(r)
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
func (h *handler) requestNamespaces(r *http.Request) ([]string, error) {
	qns := namespaceOf(r)
	if qns == "" {
		qns = service.DefaultNamespace
	}
	var out []string
	named := false
	for _, v := range []string{r.PathValue("arn"), r.PathValue("name"), r.URL.Query().Get("workflow")} {
		switch {
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
	if named || len(out) == 0 {
		out = append(out, qns)
	}
	return out, nil
}

// taskNamespace reads the taskToken of a task route's body (leaving the
// body for the route) and finds its execution's namespace; found is
// false when the body has no token or names no open task (the route
// refuses it).
func (h *handler) taskNamespace(r *http.Request) (ns string, found bool, err error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, h.bodyLimit+1))
	if err != nil {
		return "", false, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var t struct {
		TaskToken string `json:"taskToken"`
	}
	if json.Unmarshal(body, &t) != nil || t.TaskToken == "" {
		return "", false, nil
	}
	ns, err = h.svc.TaskNamespace(r.Context(), t.TaskToken)
	if _, ok := apierr.As(err); ok {
		// An unknown or closed task: the route says so (it touches
		// nothing).
		return "", false, nil
	}
	return ns, err == nil, err
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
