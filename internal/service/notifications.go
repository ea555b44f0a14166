package service

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/notify"
	"github.com/batonhq/baton/internal/pipeline"
)

// Notifications is the server's notifier, as the service uses it.
type Notifications interface {
	// Check tells whether the server can deliver to a target (it has a
	// connection of its channel); the error says what to configure.
	Check(t *notify.Target) error
	// Changed tells the notifier that workflows' settings changed.
	Changed()
	Failed(ctx context.Context) ([]*notify.DeadLetter, error)
	Retry(ctx context.Context, ids []string) (int, error)
	Test(ctx context.Context, t notify.Target) map[string]string
	// Status is the delivery's health (as stored where it is not
	// delivered: on a node of a cluster that does not run the bus).
	Status(ctx context.Context) (notify.Status, error)
}

// NotificationSettingsOutput is a workflow's notification settings.
type NotificationSettingsOutput struct {
	StateMachineArn string `json:"stateMachineArn"`
	// Source is where they are set: "pipeline.yaml" (a pipeline's
	// notifications: section, changed by deploying it), "api", or "" when
	// the workflow has none.
	Source   string           `json:"source"`
	Settings *notify.Settings `json:"settings"`
}

// GetNotificationSettings returns a workflow's notification settings.
func (s *Service) GetNotificationSettings(ctx context.Context, arn string) (*NotificationSettingsOutput, error) {
	sm, err := s.store.GetStateMachine(ctx, arn)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(arn))
	}
	out := &NotificationSettingsOutput{StateMachineArn: arn}
	if sm.Language == pipeline.LanguageName {
		if pl, err := pipeline.Parse([]byte(sm.Definition)); err == nil && pl.Notifications != nil {
			out.Source, out.Settings = "pipeline.yaml", notify.FromPipeline(pl.Notifications)
		}
		return out, nil
	}
	body, err := s.store.NotificationSettings(ctx, arn)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	if body != nil {
		if out.Settings, err = notify.ParseSettings(body); err != nil {
			return nil, err
		}
		out.Source = "api"
	}
	return out, nil
}

// SetNotificationSettings sets (nil: removes) the notification settings
// of a workflow that is not a pipeline: a pipeline's are its
// pipeline.yaml's.
func (s *Service) SetNotificationSettings(ctx context.Context, arn string, set *notify.Settings) (*NotificationSettingsOutput, error) {
	sm, err := s.store.GetStateMachine(ctx, arn)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(arn))
	}
	if sm.Language == pipeline.LanguageName {
		return nil, apierr.New(apierr.ValidationException, "%s is a pipeline: its notifications are the notifications: section of its pipeline.yaml; change them there and deploy it again", sm.Name)
	}
	var body []byte
	if set != nil {
		if err := set.Check(); err != nil {
			return nil, apierr.New(apierr.ValidationException, "the notification settings are not valid: %v", err)
		}
		if err := s.checkTargets(set); err != nil {
			return nil, err
		}
		body, _ = json.Marshal(set)
	}
	if err := s.store.SetNotificationSettings(ctx, arn, body); err != nil {
		return nil, storeErr(err, stateMachineNotFound(arn))
	}
	if s.cfg.Notifications != nil {
		s.cfg.Notifications.Changed()
	}
	out := &NotificationSettingsOutput{StateMachineArn: arn, Settings: set}
	if set != nil {
		out.Source = "api"
	}
	return out, nil
}

// checkTargets refuses targets the server cannot deliver to: settings
// that would never send anything are a mistake to say at once.
func (s *Service) checkTargets(set *notify.Settings) error {
	if s.cfg.Notifications == nil {
		return apierr.New(apierr.ValidationException, "this server sends no notifications")
	}
	for i := range set.Targets {
		if err := s.cfg.Notifications.Check(&set.Targets[i]); err != nil {
			return apierr.New(apierr.ValidationException, "notifications: target %d (%s): %v", i, set.Targets[i].Channel, err)
		}
	}
	return nil
}

// FailedNotificationsOutput lists the notifications that could not be
// delivered, of one namespace's workflows.
type FailedNotificationsOutput struct {
	Failed []*notify.DeadLetter `json:"failed"`
}

// FailedNotifications lists the dead letters of a namespace's workflows.
func (s *Service) FailedNotifications(ctx context.Context, namespace string) (*FailedNotificationsOutput, error) {
	dls, err := s.namespaceDeadLetters(ctx, namespace)
	if err != nil {
		return nil, err
	}
	return &FailedNotificationsOutput{Failed: dls}, nil
}

func (s *Service) namespaceDeadLetters(ctx context.Context, namespace string) ([]*notify.DeadLetter, error) {
	if s.cfg.Notifications == nil {
		return []*notify.DeadLetter{}, nil
	}
	account, err := s.namespaceAccount(ctx, namespace)
	if err != nil {
		return nil, err
	}
	all, err := s.cfg.Notifications.Failed(ctx)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	out := []*notify.DeadLetter{}
	for _, dl := range all {
		// The account of a workflow's or a rule's ARN.
		if parts := strings.SplitN(dl.Notification.Workflow, ":", 6); len(parts) == 6 && parts[4] == account {
			out = append(out, dl)
		}
	}
	return out, nil
}

// RetryNotifications queues a namespace's dead letters again: those of
// ids, or all of them when ids is empty.
func (s *Service) RetryNotifications(ctx context.Context, namespace string, ids []string) (int, error) {
	dls, err := s.namespaceDeadLetters(ctx, namespace)
	if err != nil {
		return 0, err
	}
	mine := map[string]bool{}
	for _, dl := range dls {
		mine[dl.Notification.ID] = true
	}
	if len(ids) == 0 {
		for id := range mine {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return 0, nil
		}
	}
	for _, id := range ids {
		if !mine[id] {
			return 0, apierr.New(apierr.ResourceNotFound, "no failed notification %q in this namespace; list them with baton notifications failed", id)
		}
	}
	n, err := s.cfg.Notifications.Retry(ctx, ids)
	if errors.Is(err, notify.ErrNoDeadLetter) {
		return 0, apierr.New(apierr.ResourceNotFound, "%v", err)
	}
	return n, storeErr(err, nil)
}

// TestNotification sends a test message to a target now.
func (s *Service) TestNotification(ctx context.Context, t *notify.Target) (map[string]string, error) {
	if err := t.Check(); err != nil {
		return nil, apierr.New(apierr.ValidationException, "the target is not valid: %s", strings.TrimPrefix(err.Error(), "/"))
	}
	if err := s.checkTargets(&notify.Settings{Targets: []notify.Target{*t}}); err != nil {
		return nil, err
	}
	return s.cfg.Notifications.Test(ctx, *t), nil
}

// NotificationStatus is the delivery's health.
func (s *Service) NotificationStatus(ctx context.Context) (notify.Status, error) {
	if s.cfg.Notifications == nil {
		return notify.Status{}, nil
	}
	st, err := s.cfg.Notifications.Status(ctx)
	return st, storeErr(err, nil)
}
