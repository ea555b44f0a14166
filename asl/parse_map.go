package asl

import (
	"math"
	"strconv"
)

// parallel reads a Parallel state's branches, each a state machine.
func (p *defParser) parallel(o srcObject, st *State) {
	o.require("Branches")
	elems, _ := o.array("Branches", true)
	for i, e := range elems {
		st.Branches = append(st.Branches, p.machine(e, o.at("Branches")+"/"+strconv.Itoa(i), machineBranch))
	}
}

// mapState reads the fields particular to a Map state.
func (p *defParser) mapState(o srcObject, st *State) {
	key := "ItemProcessor"
	switch {
	case !o.exclusive("ItemProcessor", "Iterator"):
	case o.has("Iterator"):
		key = "Iterator"
	case !o.has("ItemProcessor"):
		o.require("ItemProcessor")
	}
	if n := o.get(key); n != nil {
		st.ItemProcessor = p.machine(n, o.at(key), machineProcessor)
		p.processorConfig(o, key, st)
	}
	if o.jsonata {
		st.Items, st.HasItems = o.plain("Items")
		if n := o.get("Items"); n != nil && n.kind != kindArray && o.expression("Items") == "" {
			o.errorf("Items", "The field 'Items' must be an array or a JSONata expression")
		}
		st.ItemSelector, st.HasItemSelector = o.plain("ItemSelector")
	} else {
		st.ItemsPath = o.optPath("ItemsPath", false)
		if o.exclusive("ItemSelector", "Parameters") && o.has("Parameters") {
			st.ItemSelector, st.HasItemSelector = o.objectValue("Parameters")
			st.LegacyParameters = st.HasItemSelector
		} else {
			st.ItemSelector, st.HasItemSelector = o.objectValue("ItemSelector")
		}
	}
	o.exclusive("MaxConcurrency", "MaxConcurrencyPath")
	o.exclusive("ToleratedFailureCount", "ToleratedFailureCountPath")
	o.exclusive("ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
	st.MaxConcurrency = o.integer("MaxConcurrency", 0, math.MaxInt64)
	st.MaxConcurrencyExpr = o.expression("MaxConcurrency")
	st.ToleratedFailureCountExpr = o.expression("ToleratedFailureCount")
	st.ToleratedFailurePercentageExpr = o.expression("ToleratedFailurePercentage")
	st.MaxConcurrencyPath, _ = o.str("MaxConcurrencyPath")
	st.ToleratedFailureCount = o.integer("ToleratedFailureCount", 0, math.MaxInt64)
	st.ToleratedFailureCountPath, _ = o.str("ToleratedFailureCountPath")
	st.ToleratedFailurePercentage = o.number("ToleratedFailurePercentage", 0, 100)
	st.ToleratedFailurePercentagePath, _ = o.str("ToleratedFailurePercentagePath")
	st.Label, _ = o.str("Label")
	st.ItemReader, _ = o.objectValue("ItemReader")
	st.ItemBatcher, _ = o.objectValue("ItemBatcher")
	st.ResultWriter, _ = o.objectValue("ResultWriter")
	p.distributedOnly(o, key, st)
}

// processorConfig reads ItemProcessor.ProcessorConfig.
func (p *defParser) processorConfig(o srcObject, key string, st *State) {
	st.ProcessorMode = "INLINE"
	if o.get(key).kind != kindObject {
		return // reported by machine
	}
	proc, _ := o.object(key)
	if !proc.has("ProcessorConfig") {
		return
	}
	cfg, ok := proc.object("ProcessorConfig")
	if !ok {
		return
	}
	cfg = cfg.allowOnly(processorConfig)
	if m, ok := cfg.str("Mode"); ok && cfg.oneOf("Mode", m, "INLINE", "DISTRIBUTED") {
		st.ProcessorMode = m
	}
	if t, ok := cfg.str("ExecutionType"); ok && cfg.oneOf("ExecutionType", t, "STANDARD", "EXPRESS") {
		st.ProcessorExecutionType = t
	}
}

// distributedOnly reports, once per Map state, the use of Distributed Map,
// which this version of Baton does not run.
func (p *defParser) distributedOnly(o srcObject, key string, st *State) {
	if st.ProcessorMode == "DISTRIBUTED" {
		p.reportAt(o.at(key)+"/ProcessorConfig/Mode", CodeUnsupported,
			"Map in DISTRIBUTED mode is not supported by this version of Baton; use INLINE")
		return
	}
	for _, f := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
		if o.has(f) {
			o.p.report(o.at(f), o.n.member(f).keyPos, CodeUnsupported,
				"The field '%s' needs a Map in DISTRIBUTED mode, which is not supported by this version of Baton; use INLINE", f)
			return
		}
	}
}
