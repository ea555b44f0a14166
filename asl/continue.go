package asl

import "time"

// interrupt asks the call's Output.Interrupt (every 64 transitions) and
// Options.Interrupt (every 1,024) whether to give control back.
func (m *Machine) interrupt(x *Execution, out *Output) bool {
	if out.Interrupt != nil && out.Interrupt() {
		return true
	}
	return x.steps&1023 == 0 && m.opts.Interrupt != nil && m.opts.Interrupt()
}

// Continue runs what an interrupted call (Start, Apply, Redrive or Continue)
// left, until the execution waits again, ends, or is interrupted again. It
// does nothing when the last call was not interrupted. (Apply also runs the
// left-over work, with its event.)
func (m *Machine) Continue(x *Execution, now time.Time, out *Output) {
	if x.Done() || !x.interrupted {
		return
	}
	m.drain(x, now, out)
}
