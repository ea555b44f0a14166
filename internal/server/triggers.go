package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

// starter starts the runs the event bus decided, through the service so
// that they are checked like any start.
type starter struct{ svc *service.Service }

// Start implements events.Starter: a run of that name that exists is the
// same start carried out again (after a crash); a refusal of the request
// (the workflow is gone, its limit says skip) cannot pass later.
func (s starter) Start(ctx context.Context, r events.RunRequest) error {
	_, err := s.svc.StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: r.StateMachineArn, Name: r.Name,
		Input: r.Input, LogicalDate: r.LogicalDate, DataIntervalStart: r.DataIntervalStart, Trigger: r.Trigger,
		TraceHeader: service.TriggerDepthHeader(r.Depth)})
	var ae *apierr.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && ae.Code == apierr.ExecutionAlreadyExists:
		return nil
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests && ae.Code != "ThrottlingException":
		return events.Permanent(err)
	}
	return err
}

// Stop implements events.Starter: a run that ended already is not an
// error.
func (s starter) Stop(ctx context.Context, executionArn, cause string) error {
	_, err := s.svc.StopExecution(ctx, &service.StopExecutionInput{ExecutionArn: executionArn, Error: "Baton.Superseded", Cause: cause})
	var ae *apierr.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && (ae.Code == apierr.ExecutionDoesNotExist || ae.Code == "ExecutionNotRunning" || ae.Status == http.StatusConflict):
		return nil
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Code != "ThrottlingException":
		return events.Permanent(err)
	}
	return err
}

// trimOutbox deletes, every 10 minutes, the events older than retention
// that every consumer of the bus has read. retired are consumers that no
// longer run on this database (a cluster's single-server consumers, left
// from before the switch): their cursors are moved to the end first, so
// that they do not hold the outbox forever.
func trimOutbox(ctx context.Context, st store.Store, retention time.Duration, retired []string, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := retireCursors(ctx, st, retired); err != nil && ctx.Err() == nil {
			log.Warn("moving the cursors of the single server's consumers out of the outbox's way", "err", err)
		}
		n, err := st.TrimOutbox(ctx, time.Now().Add(-retention))
		if err != nil && ctx.Err() == nil {
			log.Warn("trimming the event bus's outbox", "err", err)
		} else if n > 0 {
			log.Info("trimmed the event bus's outbox", "events", n)
		}
	}
}

// retireCursors moves the stored cursors of the consumers named, where
// they have some, to the end of the outbox.
func retireCursors(ctx context.Context, st store.Store, names []string) error {
	var head int64 = -1
	for _, name := range names {
		cur, err := st.Cursors(ctx, name)
		if err != nil {
			return err
		}
		if len(cur) == 0 {
			continue
		}
		if head < 0 {
			if head, err = st.LastOutboxSeq(ctx); err != nil {
				return err
			}
		}
		c := &store.ConsumerCommit{Consumer: name, Cursors: map[int]int64{}}
		for p := range cur {
			c.Cursors[p] = max(cur[p], head)
		}
		if err := st.CommitConsumer(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
