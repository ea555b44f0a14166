package service

import (
	"context"
	"fmt"
	"testing"

	"github.com/batonhq/baton/internal/apierr"
)

func TestTags(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	sm := e.mkSM(t, &CreateStateMachineInput{Name: "sm", Definition: passDef, Publish: true}).StateMachineArn
	act, _ := e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "a"})
	for _, arn := range []string{sm, act.ActivityArn} {
		if _, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: arn, Tags: []Tag{{"b", "2"}, {"a", "1"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: arn, Tags: []Tag{{"a", "x"}}}); err != nil {
			t.Fatal(err)
		}
		l, err := e.svc.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: arn})
		if err != nil || fmt.Sprint(l.Tags) != "[{a x} {b 2}]" {
			t.Fatalf("tags of %s = %v, %v", arn, l, err)
		}
		if _, err := e.svc.UntagResource(ctx, &UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a", "zzz"}}); err != nil {
			t.Fatal(err)
		}
		l, _ = e.svc.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: arn})
		if fmt.Sprint(l.Tags) != "[{b 2}]" {
			t.Fatalf("after untag: %v", l.Tags)
		}
	}
	l, err := e.svc.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: smArn + "sm"})
	if err != nil || l.Tags == nil {
		t.Fatalf("empty tags must be [] not null: %+v, %v", l, err)
	}
	many := make([]Tag, 49)
	for i := range many {
		many[i] = Tag{Key: fmt.Sprint("k", i)}
	}
	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"tag null arn", func() error { _, err := e.svc.TagResource(ctx, &TagResourceInput{Tags: []Tag{}}); return err }, apierr.ValidationException},
		{"tag null tags", func() error { _, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: sm}); return err }, apierr.ValidationException},
		{"tag bad arn", func() error {
			_, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: "x", Tags: []Tag{}})
			return err
		}, apierr.InvalidArn},
		{"tag version", func() error {
			_, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: sm + ":1", Tags: []Tag{}})
			return err
		}, apierr.InvalidArn},
		{"tag unknown", func() error {
			_, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: smArn + "nope", Tags: []Tag{{"a", "b"}}})
			return err
		}, apierr.ResourceNotFound},
		{"tag unknown activity", func() error {
			_, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: actArn + "nope", Tags: []Tag{{"a", "b"}}})
			return err
		}, apierr.ResourceNotFound},
		{"over 50 in total", func() error {
			_, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: sm, Tags: append(many, Tag{"x", ""}, Tag{"y", ""})})
			return err
		}, apierr.TooManyTags},
		{"empty key", func() error {
			_, err := e.svc.TagResource(ctx, &TagResourceInput{ResourceArn: sm, Tags: []Tag{{"", "v"}}})
			return err
		}, apierr.ValidationException},
		{"untag null keys", func() error {
			_, err := e.svc.UntagResource(ctx, &UntagResourceInput{ResourceArn: sm})
			return err
		}, apierr.ValidationException},
		{"untag unknown", func() error {
			_, err := e.svc.UntagResource(ctx, &UntagResourceInput{ResourceArn: smArn + "nope", TagKeys: []string{"a"}})
			return err
		}, apierr.ResourceNotFound},
		{"list unknown", func() error {
			_, err := e.svc.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: actArn + "nope"})
			return err
		}, apierr.ResourceNotFound},
		{"list null", func() error {
			_, err := e.svc.ListTagsForResource(ctx, &ListTagsForResourceInput{})
			return err
		}, apierr.ValidationException},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}
