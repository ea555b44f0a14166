package service

import (
	"context"
	"errors"
	"maps"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// CreateActivity creates an activity: a queue of tasks for remote workers.
// Creating an existing activity returns it (with different tags it is
// ActivityAlreadyExists).
func (s *Service) CreateActivity(ctx context.Context, in *CreateActivityInput) (*CreateActivityOutput, error) {
	if err := required(field{"name", in.Name}); err != nil {
		return nil, err
	}
	if err := checkName("activity", in.Name); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, err := s.namespaceAccount(ctx, in.Namespace)
	if err != nil {
		return nil, err
	}
	a := &store.Activity{Arn: arns{region: s.cfg.Region, account: account}.activity(in.Name), Name: in.Name, CreatedAt: s.now()}
	err = s.store.CreateActivity(ctx, a)
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.store.GetActivity(ctx, a.Arn)
		if gerr != nil {
			return nil, storeErr(gerr, nil)
		}
		if len(in.Tags) > 0 {
			tags, terr := s.store.ListTags(ctx, a.Arn)
			if terr != nil {
				return nil, storeErr(terr, nil)
			}
			if !maps.Equal(tags, tagMap(in.Tags)) {
				return nil, apierr.New(apierr.ActivityAlreadyExists, "Activity already exists with different tags: '%s'", a.Arn)
			}
		}
		return &CreateActivityOutput{ActivityArn: old.Arn, CreationDate: NewTime(old.CreatedAt)}, nil
	}
	if err != nil {
		return nil, storeErr(err, nil)
	}
	if len(in.Tags) > 0 {
		if err := s.store.TagResource(ctx, a.Arn, tagMap(in.Tags)); err != nil {
			return nil, storeErr(err, nil)
		}
	}
	return &CreateActivityOutput{ActivityArn: a.Arn, CreationDate: NewTime(a.CreatedAt)}, nil
}

// DescribeActivity describes an activity.
func (s *Service) DescribeActivity(ctx context.Context, in *DescribeActivityInput) (*DescribeActivityOutput, error) {
	if err := required(field{"activityArn", in.ActivityArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("activityArn", in.ActivityArn, ArnActivity); err != nil {
		return nil, err
	}
	a, err := s.store.GetActivity(ctx, in.ActivityArn)
	if err != nil {
		return nil, storeErr(err, activityNotFound(in.ActivityArn))
	}
	return &DescribeActivityOutput{ActivityArn: a.Arn, Name: a.Name, CreationDate: NewTime(a.CreatedAt)}, nil
}

// ListActivities lists activities by name, one page at a time.
func (s *Service) ListActivities(ctx context.Context, in *ListActivitiesInput) (*ListActivitiesOutput, error) {
	p, err := page(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	account, err := s.namespaceAccount(ctx, in.Namespace)
	if err != nil {
		return nil, err
	}
	// As for state machines: pages are read until this namespace's fill one.
	out := &ListActivitiesOutput{Activities: []ActivityListItem{}}
	want := p.Limit
	if want <= 0 {
		want = 100
	}
	for {
		p.Limit = want - len(out.Activities)
		as, next, err := s.store.ListActivities(ctx, p)
		if err != nil {
			return nil, storeErr(err, nil)
		}
		for _, a := range as {
			if accountOf(a.Arn) == account {
				out.Activities = append(out.Activities, ActivityListItem{ActivityArn: a.Arn, Name: a.Name, CreationDate: NewTime(a.CreatedAt)})
			}
		}
		out.NextToken = next
		if next == "" || len(out.Activities) >= want {
			return out, nil
		}
		p.Token = next
	}
}

// DeleteActivity deletes an activity; deleting an unknown one succeeds.
func (s *Service) DeleteActivity(ctx context.Context, in *DeleteActivityInput) (*DeleteActivityOutput, error) {
	if err := required(field{"activityArn", in.ActivityArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("activityArn", in.ActivityArn, ArnActivity); err != nil {
		return nil, err
	}
	if err := s.store.DeleteActivity(ctx, in.ActivityArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, storeErr(err, nil)
	}
	return &DeleteActivityOutput{}, nil
}
