package eventsapi

import (
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server/sfnapi"
)

// roles are the role each operation needs (see sfnapi.Authorize: in the
// namespace of the buses and state machines it names, else the caller's
// home namespace). init refuses an operation without one.
var roles = map[string]auth.Role{
	"DescribeRule":      auth.Viewer,
	"ListRules":         auth.Viewer,
	"ListTargetsByRule": auth.Viewer,
	"TestEventPattern":  auth.Viewer,
	"DescribeEventBus":  auth.Viewer,
	"ListEventBuses":    auth.Viewer,

	// Events start the workflows whose rules and triggers match them.
	"PutEvents": auth.Operator,

	"PutRule":        auth.Deployer,
	"DeleteRule":     auth.Deployer,
	"EnableRule":     auth.Deployer,
	"DisableRule":    auth.Deployer,
	"PutTargets":     auth.Deployer,
	"RemoveTargets":  auth.Deployer,
	"CreateEventBus": auth.Deployer,
	"DeleteEventBus": auth.Deployer,
}

func init() { sfnapi.MustCover("eventsapi", ops, roles) }

// RoleOf is the role an operation needs ("" for an unknown one).
func RoleOf(op string) auth.Role { return roles[op] }
