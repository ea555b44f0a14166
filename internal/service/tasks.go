package service

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limits of the task operations.
const (
	maxTaskTokenLen  = 1024
	maxWorkerNameLen = 80
	// ActivityPollTimeout is how long GetActivityTask waits for a task:
	// Step Functions holds a poll for 60 s; Baton answers a little sooner so
	// that clients with a 60 s read timeout (botocore's default) get the
	// empty answer instead of a timeout.
	ActivityPollTimeout = 58 * time.Second
)

// GetActivityTask hands a worker the next task of an activity, waiting up
// to 60 seconds for one; with none, both members of the output are empty.
func (s *Service) GetActivityTask(ctx context.Context, in *GetActivityTaskInput) (*GetActivityTaskOutput, error) {
	if err := required(field{"activityArn", in.ActivityArn}); err != nil {
		return nil, err
	}
	if len(in.WorkerName) > maxWorkerNameLen {
		return nil, validationErrors([]string{fmt.Sprintf("Value at 'workerName' failed to satisfy constraint: Member must have length less than or equal to %d", maxWorkerNameLen)})
	}
	if _, err := parseArn("activityArn", in.ActivityArn, ArnActivity); err != nil {
		return nil, err
	}
	if _, err := s.store.GetActivity(ctx, in.ActivityArn); err != nil {
		return nil, storeErr(err, activityNotFound(in.ActivityArn))
	}
	pollCtx, cancel := context.WithTimeout(ctx, ActivityPollTimeout)
	defer cancel()
	t, err := s.eng.GetActivityTask(pollCtx, in.ActivityArn, in.WorkerName)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return &GetActivityTaskOutput{}, nil // the poll ran out: no task
		}
		if errors.Is(err, context.Canceled) {
			// The request ended: the server shuts down (the worker is
			// told "no task" and polls again, on another node or once
			// this one is back, rather than getting an error), or the
			// client went away (nobody reads the answer).
			return &GetActivityTaskOutput{}, nil
		}
		return nil, err
	}
	if t == nil {
		return &GetActivityTaskOutput{}, nil
	}
	return &GetActivityTaskOutput{TaskToken: t.Token, Input: t.Input}, nil
}

// SendTaskSuccess reports that the task of a token succeeded with output.
func (s *Service) SendTaskSuccess(ctx context.Context, in *SendTaskSuccessInput) (*SendTaskSuccessOutput, error) {
	if err := required(field{"taskToken", in.TaskToken}, field{"output", in.Output}); err != nil {
		return nil, err
	}
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if err := s.checkOutput(in.Output); err != nil {
		return nil, err
	}
	if err := s.eng.SendTaskSuccess(ctx, in.TaskToken, in.Output); err != nil {
		return nil, err
	}
	return &SendTaskSuccessOutput{}, nil
}

// SendTaskFailure reports that the task of a token failed.
func (s *Service) SendTaskFailure(ctx context.Context, in *SendTaskFailureInput) (*SendTaskFailureOutput, error) {
	if err := required(field{"taskToken", in.TaskToken}); err != nil {
		return nil, err
	}
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if err := checkErrorCause(in.Error, in.Cause); err != nil {
		return nil, err
	}
	if err := s.eng.SendTaskFailure(ctx, in.TaskToken, in.Error, in.Cause); err != nil {
		return nil, err
	}
	return &SendTaskFailureOutput{}, nil
}

// SendTaskHeartbeat reports that the task of a token is still being worked
// on.
func (s *Service) SendTaskHeartbeat(ctx context.Context, in *SendTaskHeartbeatInput) (*SendTaskHeartbeatOutput, error) {
	if err := required(field{"taskToken", in.TaskToken}); err != nil {
		return nil, err
	}
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if err := s.eng.SendTaskHeartbeat(ctx, in.TaskToken); err != nil {
		return nil, err
	}
	return &SendTaskHeartbeatOutput{}, nil
}

func checkToken(t string) error {
	if len(t) > maxTaskTokenLen {
		return validationErrors([]string{fmt.Sprintf("Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to %d", maxTaskTokenLen)})
	}
	return nil
}
