package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/steptask"
	"github.com/batonhq/baton/internal/store"
)

// children starts nested executions for states:startExecution tasks through
// the service layer, so that they resolve ARNs and validate like
// StartExecution, and gives their tasks Step Functions' results.
type children struct {
	svc *service.Service
	eng nestedStarter
	st  store.Store
	// requireGrants refuses a nested run of another namespace's workflow
	// without that namespace's grant (authentication on): a deployer's
	// workflow could otherwise start any team's workflow by its ARN.
	requireGrants bool
}

// StartChild implements engine.ChildStarter. The task's parameters are
// StartExecution's: StateMachineArn, Input (a JSON value or JSON text) and
// Name; as on AWS, an object input gets
// AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID, the parent's ARN.
func (c children) StartChild(ctx context.Context, req engine.ChildRequest) (*store.Execution, error) {
	if req.Resource == steptask.ResourceWorkflow {
		return c.startStep(ctx, req)
	}
	p, ok := req.Parameters.(map[string]any)
	if !ok {
		return nil, apierr.New(apierr.ValidationException, "the parameters of a states:startExecution task must be an object with StateMachineArn")
	}
	smArn, _ := p["StateMachineArn"].(string)
	name := req.Name
	if n, ok := p["Name"].(string); ok && n != "" {
		name = n
	}
	input := "{}"
	switch v := p["Input"].(type) {
	case nil:
		input = string(asl.MarshalJSON(map[string]any{"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": req.ParentArn}))
	case string:
		input = v
	case map[string]any:
		cp := make(map[string]any, len(v)+1)
		for k, x := range v {
			cp[k] = x
		}
		cp["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] = req.ParentArn
		input = string(asl.MarshalJSON(cp))
	default:
		input = string(asl.MarshalJSON(v))
	}
	return c.start(ctx, req, smArn, name, input)
}

// startStep starts the nested run of a pipeline's workflow step: the
// workflow it names (a name of this server, NAME:VERSION, NAME:ALIAS or an
// ARN) with the step's input as the run's input ({} when none).
func (c children) startStep(ctx context.Context, req engine.ChildRequest) (*store.Execution, error) {
	t, err := steptask.Decode[steptask.Workflow](req.Parameters)
	if err != nil {
		return nil, apierr.New(apierr.ValidationException, "the workflow step's task: %v", err)
	}
	if t.Workflow == "" {
		return nil, apierr.New(apierr.ValidationException, "the workflow step names no workflow")
	}
	input := "{}"
	// The input as the interpreter gave it, not as decoded: encoding/json
	// turns integers into float64 and rounds those above 2^53.
	if raw, ok := req.Parameters.(map[string]any); ok && raw["input"] != nil {
		input = string(asl.MarshalJSON(raw["input"]))
	} else if t.Input != nil {
		input = string(asl.MarshalJSON(t.Input))
	}
	smArn := c.svc.WorkflowArnFor(req.ParentArn, t.Workflow)
	if t.Namespace != "" {
		var err error
		if smArn, err = c.svc.StateMachineArnIn(ctx, t.Namespace, t.Workflow); err != nil {
			return nil, err
		}
	}
	return c.start(ctx, req, smArn, req.Name, input)
}

// start starts a nested execution; one started before a restart under the
// same name is the same child.
func (c children) start(ctx context.Context, req engine.ChildRequest, smArn, name, input string) (*store.Execution, error) {
	sr, err := c.svc.PrepareStart(ctx, smArn, name, input)
	if err != nil {
		return nil, err
	}
	if err := c.checkGrant(ctx, req.ParentArn, sr.StateMachineArn); err != nil {
		return nil, err
	}
	ex, err := c.eng.StartNested(ctx, *sr, req.ParentToken)
	if e, ok := apierr.As(err); ok && e.Code == apierr.ExecutionAlreadyExists {
		if old, gerr := c.st.GetExecution(ctx, sr.ExecutionArn); gerr == nil {
			return old, nil
		}
	}
	return ex, err
}

// ChildOutcome implements engine.ChildStarter.
func (children) ChildOutcome(resource string, child *store.Execution, err error) engine.TaskOutcome {
	return service.ChildOutcome(resource, child, err)
}

// checkGrant refuses, with grants required, a child of another namespace
// than its parent's unless the child's namespace grants the parent's its
// workflow.
func (c children) checkGrant(ctx context.Context, parentArn, smArn string) error {
	if !c.requireGrants {
		return nil
	}
	from, err := c.svc.NamespaceOfArn(ctx, smArn)
	if err != nil {
		return err
	}
	to, err := c.svc.NamespaceOfArn(ctx, parentArn)
	if err != nil {
		return err
	}
	if from == to {
		return nil
	}
	grants, err := c.st.ListGrants(ctx)
	if err != nil {
		return err
	}
	a, err := service.ParseArn(smArn)
	if err != nil {
		return err
	}
	if from != "" && to != "" && store.Granted(grants, from, to, a.StateMachine) {
		return nil
	}
	return &apierr.Error{Code: auth.CodeAWSAccessDenied, Status: http.StatusBadRequest, Message: fmt.Sprintf(
		"a run of namespace %s may not start %s of namespace %s without its grant: an admin of %s runs baton grants create --from %s --to %s --workflow %s",
		to, a.StateMachine, cmp.Or(from, "(none)"), from, from, to, a.StateMachine)}
}
