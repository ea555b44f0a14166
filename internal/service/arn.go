package service

import (
	"fmt"
	"strconv"
	"strings"
)

// ArnKind is the kind of resource an ARN names.
type ArnKind int

// The kinds of Step Functions ARNs.
const (
	ArnInvalid          ArnKind = iota
	ArnStateMachine             // arn:aws:states:R:A:stateMachine:NAME
	ArnVersion                  // arn:aws:states:R:A:stateMachine:NAME:7
	ArnAlias                    // arn:aws:states:R:A:stateMachine:NAME:ALIAS
	ArnExecution                // arn:aws:states:R:A:execution:SM:EXEC
	ArnExpressExecution         // arn:aws:states:R:A:express:SM:EXEC:ID
	ArnActivity                 // arn:aws:states:R:A:activity:NAME
	ArnMapRun                   // arn:aws:states:R:A:mapRun:SM/LABEL:ID
)

// String names the kind as the ARN's resource type does.
func (k ArnKind) String() string {
	switch k {
	case ArnStateMachine:
		return "stateMachine"
	case ArnVersion:
		return "stateMachine version"
	case ArnAlias:
		return "stateMachine alias"
	case ArnExecution:
		return "execution"
	case ArnExpressExecution:
		return "express"
	case ArnActivity:
		return "activity"
	case ArnMapRun:
		return "mapRun"
	}
	return "invalid"
}

// maxArnLen bounds the ARNs Baton parses; AWS's own limit is 256 for most
// members and 2048 for resourceArn.
const maxArnLen = 2048

// Arn is a parsed Step Functions ARN.
type Arn struct {
	Kind      ArnKind
	Partition string // "aws", "aws-cn", ...
	Region    string
	Account   string
	// StateMachine is the state machine's name (every kind but activities).
	StateMachine string
	Version      int64  // ArnVersion
	Alias        string // ArnAlias
	Execution    string // execution name (ArnExecution, ArnExpressExecution)
	ExpressID    string // ArnExpressExecution; the map run id for ArnMapRun
	Activity     string // ArnActivity
	Label        string // ArnMapRun: the Map state's label
}

// ParseArn parses a Step Functions ARN. It checks the ARN's form only, not
// the names' rules nor whether the resource exists.
func ParseArn(s string) (Arn, error) {
	if s == "" {
		return Arn{}, fmt.Errorf("empty ARN")
	}
	if len(s) > maxArnLen {
		return Arn{}, fmt.Errorf("ARN longer than %d characters", maxArnLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return Arn{}, fmt.Errorf("control character in ARN")
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) < 7 || parts[0] != "arn" {
		return Arn{}, fmt.Errorf("not an ARN of the form arn:aws:states:REGION:ACCOUNT:TYPE:NAME")
	}
	if !strings.HasPrefix(parts[1], "aws") {
		return Arn{}, fmt.Errorf("unknown partition %q", parts[1])
	}
	if parts[2] != "states" {
		return Arn{}, fmt.Errorf("service %q is not states", parts[2])
	}
	if parts[3] == "" || parts[4] == "" {
		return Arn{}, fmt.Errorf("missing region or account")
	}
	a := Arn{Partition: parts[1], Region: parts[3], Account: parts[4]}
	rest := parts[6:]
	for _, p := range rest {
		if p == "" {
			return Arn{}, fmt.Errorf("empty name part")
		}
	}
	switch typ := parts[5]; typ {
	case "stateMachine":
		a.StateMachine = rest[0]
		switch len(rest) {
		case 1:
			a.Kind = ArnStateMachine
		case 2:
			if isDigits(rest[1]) {
				n, err := strconv.ParseInt(rest[1], 10, 64)
				if err != nil || n < 1 || rest[1][0] == '0' {
					return Arn{}, fmt.Errorf("bad version number %q", rest[1])
				}
				a.Kind, a.Version = ArnVersion, n
			} else {
				a.Kind, a.Alias = ArnAlias, rest[1]
			}
		default:
			return Arn{}, fmt.Errorf("too many parts for a stateMachine ARN")
		}
	case "execution":
		if len(rest) != 2 {
			return Arn{}, fmt.Errorf("an execution ARN ends in STATE_MACHINE:EXECUTION")
		}
		a.Kind, a.StateMachine, a.Execution = ArnExecution, rest[0], rest[1]
	case "express":
		if len(rest) != 3 {
			return Arn{}, fmt.Errorf("an express execution ARN ends in STATE_MACHINE:EXECUTION:ID")
		}
		a.Kind, a.StateMachine, a.Execution, a.ExpressID = ArnExpressExecution, rest[0], rest[1], rest[2]
	case "activity":
		if len(rest) != 1 {
			return Arn{}, fmt.Errorf("an activity ARN ends in activity:NAME")
		}
		a.Kind, a.Activity = ArnActivity, rest[0]
	case "mapRun":
		if len(rest) != 2 {
			return Arn{}, fmt.Errorf("a map run ARN ends in STATE_MACHINE/LABEL:ID")
		}
		sm, label, ok := strings.Cut(rest[0], "/")
		if !ok || sm == "" || label == "" {
			return Arn{}, fmt.Errorf("a map run ARN ends in STATE_MACHINE/LABEL:ID")
		}
		a.Kind, a.StateMachine, a.Label, a.ExpressID = ArnMapRun, sm, label, rest[1]
	default:
		return Arn{}, fmt.Errorf("unknown resource type %q", typ)
	}
	return a, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String renders the ARN; ParseArn(a.String()) == a for every parsed a.
func (a Arn) String() string {
	p := "arn:" + a.Partition + ":states:" + a.Region + ":" + a.Account + ":"
	switch a.Kind {
	case ArnStateMachine:
		return p + "stateMachine:" + a.StateMachine
	case ArnVersion:
		return p + "stateMachine:" + a.StateMachine + ":" + strconv.FormatInt(a.Version, 10)
	case ArnAlias:
		return p + "stateMachine:" + a.StateMachine + ":" + a.Alias
	case ArnExecution:
		return p + "execution:" + a.StateMachine + ":" + a.Execution
	case ArnExpressExecution:
		return p + "express:" + a.StateMachine + ":" + a.Execution + ":" + a.ExpressID
	case ArnActivity:
		return p + "activity:" + a.Activity
	case ArnMapRun:
		return p + "mapRun:" + a.StateMachine + "/" + a.Label + ":" + a.ExpressID
	}
	return ""
}

// StateMachineArn returns the unqualified ARN of the state machine the ARN
// belongs to (state machines, versions, aliases, executions, map runs).
func (a Arn) StateMachineArn() string {
	b := Arn{Kind: ArnStateMachine, Partition: a.Partition, Region: a.Region, Account: a.Account, StateMachine: a.StateMachine}
	return b.String()
}

// arns builds the ARNs of one region and account.
type arns struct {
	region, account string
}

func (n arns) base() Arn { return Arn{Partition: "aws", Region: n.region, Account: n.account} }

func (n arns) stateMachine(name string) string {
	a := n.base()
	a.Kind, a.StateMachine = ArnStateMachine, name
	return a.String()
}

func (n arns) execution(sm, name string) string {
	a := n.base()
	a.Kind, a.StateMachine, a.Execution = ArnExecution, sm, name
	return a.String()
}

func (n arns) express(sm, name, id string) string {
	a := n.base()
	a.Kind, a.StateMachine, a.Execution, a.ExpressID = ArnExpressExecution, sm, name, id
	return a.String()
}

func (n arns) activity(name string) string {
	a := n.base()
	a.Kind, a.Activity = ArnActivity, name
	return a.String()
}

// versionArn returns the ARN of version number of a state machine.
func versionArn(stateMachineArn string, number int64) string {
	return stateMachineArn + ":" + strconv.FormatInt(number, 10)
}

// aliasArn returns the ARN of an alias of a state machine.
func aliasArn(stateMachineArn, alias string) string {
	return stateMachineArn + ":" + alias
}
