package asl_test

import (
	"testing"

	"github.com/batonhq/baton/asl"
)

func TestFlowMapToleratedNestedParallel(t *testing.T) {
	r := runChecked(t, `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ToleratedFailureCount":1,
 "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1,"IntervalSeconds":1}],
 "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"After"}],
 "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
   {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:failidx:Boom","TimeoutSeconds":100,"End":true}}},
   {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"H"},"H":{"Type":"Task","Resource":"zz:ok","HeartbeatSeconds":3,"TimeoutSeconds":50,"End":true}}}]}}},
 "End":true},
 "After":{"Type":"Pass","End":true}}}`, `[{"fail":true},{"fail":false},{"fail":true},{"fail":false},{"fail":true}]`)
	t.Logf("%s %s %s", r.x.Status, r.x.Error, asl.MarshalJSON(r.x.Output))
}

func TestFlowParallelNestedMapRetryCatch(t *testing.T) {
	r := runChecked(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel",
 "Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":2,"IntervalSeconds":1}],
 "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"After"}],
 "Branches":[
  {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
    "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:failidx:Boom","Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1}],"End":true}}},"End":true}}},
  {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}],
 "End":true},
 "After":{"Type":"Pass","End":true}}}`, `{"items":[{"fail":false},{"fail":false},{"fail":true}]}`)
	t.Logf("%s %s %s", r.x.Status, r.x.Error, asl.MarshalJSON(r.x.Output))
}

func TestFlowExecTimeoutDuringMap(t *testing.T) {
	r := runChecked(t, `{"TimeoutSeconds":7,"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,
 "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"Next":"T"},"T":{"Type":"Task","Resource":"zz:failonce:E","Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2}],"End":true}}},
 "End":true}}}`, `[1,2,3,4,5,6]`)
	if r.x.Status != asl.StatusTimedOut {
		t.Errorf("status %s", r.x.Status)
	}
}
