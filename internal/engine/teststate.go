package engine

import (
	"context"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/service"
)

// TestState runs one state on its own.
func (e *Engine) TestState(ctx context.Context, in *service.TestStateInput) (*service.TestStateOutput, error) {
	return nil, apierr.New(apierr.ValidationException, "TestState: pending")
}
