package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
)

// Tag limits, as in Step Functions.
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// TagResource adds tags to a state machine or activity, overwriting the
// values of keys it has.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if err := required(field{"resourceArn", in.ResourceArn}); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, validationErrors([]string{"Value null at 'tags' failed to satisfy constraint: Member must not be null"})
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.checkTaggable(ctx, in.ResourceArn); err != nil {
		return nil, err
	}
	old, err := s.store.ListTags(ctx, in.ResourceArn)
	if err != nil {
		return nil, storeErr(err, resourceNotFound("resource", in.ResourceArn))
	}
	merged := maps.Clone(old)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tagMap(in.Tags))
	if len(merged) > maxTags {
		return nil, apierr.New(apierr.TooManyTags, "Too many tags: '%s' would have %d tags; the limit is %d", in.ResourceArn, len(merged), maxTags)
	}
	if err := s.store.TagResource(ctx, in.ResourceArn, tagMap(in.Tags)); err != nil {
		return nil, storeErr(err, resourceNotFound("resource", in.ResourceArn))
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from a state machine or activity; unknown keys
// are ignored.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	if err := required(field{"resourceArn", in.ResourceArn}); err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, validationErrors([]string{"Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"})
	}
	if err := s.checkTaggable(ctx, in.ResourceArn); err != nil {
		return nil, err
	}
	if err := s.store.UntagResource(ctx, in.ResourceArn, in.TagKeys); err != nil {
		return nil, storeErr(err, resourceNotFound("resource", in.ResourceArn))
	}
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource lists the tags of a state machine or activity, by key.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	if err := required(field{"resourceArn", in.ResourceArn}); err != nil {
		return nil, err
	}
	if err := s.checkTaggable(ctx, in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := s.store.ListTags(ctx, in.ResourceArn)
	if err != nil {
		return nil, storeErr(err, resourceNotFound("resource", in.ResourceArn))
	}
	out := &ListTagsForResourceOutput{Tags: make([]Tag, 0, len(tags))}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out.Tags = append(out.Tags, Tag{Key: k, Value: tags[k]})
	}
	return out, nil
}

// checkTaggable checks that arn names an existing state machine or
// activity (ResourceNotFound otherwise).
func (s *Service) checkTaggable(ctx context.Context, arn string) error {
	a, err := parseArn("resourceArn", arn, ArnStateMachine, ArnActivity)
	if err != nil {
		return err
	}
	if a.Kind == ArnActivity {
		_, err = s.store.GetActivity(ctx, arn)
	} else {
		_, err = s.store.GetStateMachine(ctx, arn)
	}
	return storeErr(err, resourceNotFound("resource", arn))
}

// checkTags checks the number and size of tags.
func checkTags(tags []Tag) error {
	if len(tags) > maxTags {
		return apierr.New(apierr.TooManyTags, "Too many tags: %d given; the limit is %d", len(tags), maxTags)
	}
	var msgs []string
	for i, t := range tags {
		switch {
		case t.Key == "" || len(t.Key) > maxTagKeyLen:
			msgs = append(msgs, fmt.Sprintf("Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Member must have length between 1 and %d", t.Key, i+1, maxTagKeyLen))
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			msgs = append(msgs, fmt.Sprintf("Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: the prefix aws: is reserved", t.Key, i+1))
		}
		if len(t.Value) > maxTagValueLen {
			msgs = append(msgs, fmt.Sprintf("Value at 'tags.%d.member.value' failed to satisfy constraint: Member must have length less than or equal to %d", i+1, maxTagValueLen))
		}
	}
	return validationErrors(msgs)
}

func tagMap(tags []Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
