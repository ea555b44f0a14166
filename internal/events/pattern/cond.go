package pattern

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cond is one entry of a pattern field's list: a value or a match
// expression. A field matches when any of its conds does.
type cond struct {
	kind   condKind
	val    valKey   // cExact
	s      string   // cPrefix, cSuffix, cEqualsIgnoreCase
	fold   bool     // cPrefix, cSuffix: ignore case
	wild   wildcard // cWildcard
	lo, hi *big.Rat // cNumeric; nil is unbounded
	loIncl bool
	hiIncl bool
	cidr   netip.Prefix
	base   netip.Addr // cCIDR: the address as written, the range's bottom
	exists bool       // cExists
	path   []string   // cExists: the field's path from the event's root
	but    *anythingBut
}

type condKind uint8

const (
	cExact condKind = iota
	cPrefix
	cSuffix
	cEqualsIgnoreCase
	cWildcard
	cNumeric
	cCIDR
	cExists
	cAnythingBut
)

// valKey identifies a leaf value for exact comparison: strings by their
// text, numbers by their canonical exact form (so 300 = 3.0e2), literals by
// name.
type valKey struct {
	kind vkind
	s    string
}

// anythingBut matches a value that none of its parts match.
type anythingBut struct {
	values   map[valKey]bool
	prefixes []string
	suffixes []string
	folded   []string // equals-ignore-case
	wilds    []wildcard
}

func (c *compiler) leaf(n *jnode, path []string) ([]cond, error) {
	if len(n.elems) == 0 {
		return nil, c.errAt(n, path, "Empty arrays are not allowed")
	}
	conds := make([]cond, 0, len(n.elems))
	for _, e := range n.elems {
		var cd cond
		switch e.kind {
		case jObject:
			var err error
			if cd, err = c.expression(e, path); err != nil {
				return nil, err
			}
		case jArray:
			return nil, c.errAt(e, path, "Match value must be String, number, true, false, or null")
		default:
			cd = cond{kind: cExact, val: scalarKey(e)}
		}
		conds = append(conds, cd)
	}
	return conds, nil
}

// scalarKey is the valKey of a pattern's scalar value.
func scalarKey(n *jnode) valKey {
	switch n.kind {
	case jString:
		return valKey{vString, n.text}
	case jNumber:
		canon, _ := canonNumber(n.text)
		return valKey{vNumber, canon}
	}
	return valKey{vLiteral, n.text}
}

func (c *compiler) expression(n *jnode, path []string) (cond, error) {
	fail := func(at *jnode, reason string) (cond, error) { return cond{}, c.errAt(at, path, reason) }
	if len(n.keys) == 0 {
		return fail(n, "Match expression name not found")
	}
	op, v := n.keys[0], n.vals[0]
	var cd cond
	var err error
	switch op {
	case "exactly":
		if v.kind != jString {
			return fail(v, "exact match pattern must be a string")
		}
		cd = cond{kind: cExact, val: valKey{vString, v.text}}
	case "prefix", "suffix":
		cd, err = c.affix(op, v, path)
	case "equals-ignore-case":
		if v.kind != jString {
			return fail(v, "equals-ignore-case match pattern must be a string")
		}
		cd = cond{kind: cEqualsIgnoreCase, s: v.text}
	case "wildcard":
		var w wildcard
		if w, err = c.wildcard(v, path); err == nil {
			cd = cond{kind: cWildcard, wild: w}
		}
	case "numeric":
		cd, err = c.numeric(v, path)
	case "cidr":
		cd, err = c.cidr(v, path)
	case "exists":
		if v.kind != jTrue && v.kind != jFalse {
			return fail(v, "exists match pattern must be either true or false.")
		}
		cd = cond{kind: cExists, exists: v.kind == jTrue, path: path}
	case "anything-but":
		cd, err = c.anythingBut(v, path)
	default:
		return fail(n, "Unrecognized match type "+op)
	}
	if err != nil {
		return cond{}, err
	}
	if len(n.keys) > 1 {
		if op == "numeric" || op == "anything-but" {
			return fail(n.vals[1], "Too many elements in numeric expression")
		}
		return fail(n.vals[1], "Only one key allowed in match expression")
	}
	return cd, nil
}

// affix compiles prefix and suffix, plain or with a nested
// equals-ignore-case. An empty affix is valid and matches any string.
func (c *compiler) affix(op string, v *jnode, path []string) (cond, error) {
	kind := cPrefix
	if op == "suffix" {
		kind = cSuffix
	}
	switch v.kind {
	case jString:
		return cond{kind: kind, s: v.text}, nil
	case jObject:
		if len(v.keys) == 0 {
			return cond{}, c.errAt(v, path, strings.ToUpper(op[:1])+op[1:]+" expression name not found")
		}
		if v.keys[0] != "equals-ignore-case" {
			return cond{}, c.errAt(v, path, fmt.Sprintf("Unsupported %s pattern: %s", op, v.keys[0]))
		}
		if len(v.keys) > 1 {
			return cond{}, c.errAt(v, path, "Only one key allowed in match expression")
		}
		if v.vals[0].kind != jString {
			return cond{}, c.errAt(v.vals[0], path, "equals-ignore-case match pattern must be a string")
		}
		return cond{kind: kind, s: v.vals[0].text, fold: true}, nil
	}
	return cond{}, c.errAt(v, path, op+" match pattern must be a string")
}

var numericOpNames = map[string]string{"=": "equals", ">": ">", ">=": ">=", "<": "<", "<=": "<="}

// tokenText is how EventBridge names an offending token: its JSON text.
func tokenText(n *jnode) string {
	switch n.kind {
	case jObject:
		return "{"
	case jArray:
		return "["
	}
	return n.text
}

func (c *compiler) numeric(v *jnode, path []string) (cond, error) {
	fail := func(at *jnode, reason string) (cond, error) { return cond{}, c.errAt(at, path, reason) }
	if v.kind != jArray {
		return fail(v, "Value of numeric must be an array.")
	}
	el := v.elems
	if len(el) == 0 {
		return fail(v, "Invalid member in numeric match: ]")
	}
	if el[0].kind != jString {
		return fail(el[0], "Invalid member in numeric match: "+tokenText(el[0]))
	}
	op := el[0].text
	name, ok := numericOpNames[op]
	if !ok {
		return fail(el[0], "Unrecognized numeric range operator: "+op)
	}
	if len(el) < 2 || el[1].kind != jNumber {
		return fail(v, "Value of "+name+" must be numeric")
	}
	first, err := c.threshold(el[1], path)
	if err != nil {
		return cond{}, err
	}
	cd := cond{kind: cNumeric}
	switch op {
	case "=":
		cd.lo, cd.hi, cd.loIncl, cd.hiIncl = first, first, true, true
	case ">", ">=":
		cd.lo, cd.loIncl = first, op == ">="
	case "<", "<=":
		cd.hi, cd.hiIncl = first, op == "<="
	}
	if len(el) == 2 {
		return cd, nil
	}
	if op != ">" && op != ">=" {
		return fail(el[2], "Too many elements in numeric expression")
	}
	if len(el) > 4 {
		return fail(el[4], "Too many terms in numeric range expression")
	}
	if el[2].kind != jString {
		return fail(el[2], "Bad value in numeric range: "+tokenText(el[2]))
	}
	op2 := el[2].text
	if op2 != "<" && op2 != "<=" {
		return fail(el[2], "Bad numeric range operator: "+op2)
	}
	if len(el) < 4 || el[3].kind != jNumber {
		return fail(v, "Value of "+op2+" must be numeric")
	}
	top, err := c.threshold(el[3], path)
	if err != nil {
		return cond{}, err
	}
	if first.Cmp(top) >= 0 {
		return fail(el[3], "Bottom must be less than top")
	}
	cd.hi, cd.hiIncl = top, op2 == "<="
	return cd, nil
}

var maxNumeric = new(big.Rat).SetFloat64(MaxNumeric)

// threshold parses a number of a numeric expression, within EventBridge's
// documented range.
func (c *compiler) threshold(n *jnode, path []string) (*big.Rat, error) {
	_, r := canonNumber(n.text)
	if r == nil || r.Cmp(maxNumeric) > 0 || r.Cmp(new(big.Rat).Neg(maxNumeric)) < 0 {
		return nil, c.errAt(n, path, "Value must be between -5.0E9 and +5.0E9, inclusive")
	}
	return r, nil
}

func (c *compiler) cidr(v *jnode, path []string) (cond, error) {
	fail := func(reason string) (cond, error) { return cond{}, c.errAt(v, path, reason) }
	if v.kind != jString {
		return fail("prefix match pattern must be a string") // EventBridge's own wording
	}
	addr, mask, ok := strings.Cut(v.text, "/")
	if !ok || mask == "" || strings.Contains(mask, "/") {
		return fail("Malformed CIDR, one '/' required")
	}
	bits, err := strconv.Atoi(mask)
	if err != nil {
		return fail("Malformed CIDR, mask bits must be an integer")
	}
	if bits < 0 {
		return fail("Malformed CIDR, mask bits must not be negative")
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" {
		return fail("Invalid IP address: " + addr)
	}
	ip = ip.Unmap()
	if ip.Is4() && bits > 31 {
		return fail("IPv4 mask bits must be < 32")
	}
	if ip.Is6() && bits > 127 {
		return fail("IPv6 mask bits must be < 128")
	}
	pfx, err := ip.Prefix(bits)
	if err != nil {
		return fail("Invalid IP address: " + addr)
	}
	// Like EventBridge, the range runs from the address as written (not the
	// masked network address) to the top of its network.
	return cond{kind: cCIDR, cidr: pfx, base: ip}, nil
}

func (c *compiler) anythingBut(v *jnode, path []string) (cond, error) {
	fail := func(at *jnode, reason string) (cond, error) { return cond{}, c.errAt(at, path, reason) }
	ab := &anythingBut{}
	switch v.kind {
	case jString, jNumber:
		ab.values = map[valKey]bool{scalarKey(v): true}
	case jArray:
		hasNum, hasStr := false, false
		ab.values = map[valKey]bool{}
		for _, e := range v.elems {
			switch e.kind {
			case jString:
				hasStr = true
			case jNumber:
				hasNum = true
			default:
				return fail(e, "Inside anything but list, start|null|boolean is not supported.")
			}
			ab.values[scalarKey(e)] = true
		}
		if hasNum == hasStr {
			return fail(v, "Inside anything but list, either all values are number or string, mixed type is not supported")
		}
	case jObject:
		if len(v.keys) == 0 {
			return fail(v, "Anything-But expression name not found")
		}
		op, operand := v.keys[0], v.vals[0]
		if op != "prefix" && op != "suffix" && op != "equals-ignore-case" && op != "wildcard" {
			return fail(v, "Unsupported anything-but pattern: "+op)
		}
		if len(v.keys) > 1 {
			return fail(v.vals[1], "Only one key allowed in match expression")
		}
		items := []*jnode{operand}
		if operand.kind == jArray {
			items = operand.elems
			if len(items) == 0 {
				return fail(operand, "Empty arrays are not allowed")
			}
		}
		for _, it := range items {
			if it.kind == jTrue || it.kind == jFalse || it.kind == jNull {
				return fail(it, "Value of anything-but must be an array or single string/number value.")
			}
			switch op {
			case "prefix", "suffix":
				if it.kind != jString {
					return fail(it, "prefix/suffix match pattern must be a string")
				}
				if it.text == "" {
					return fail(it, "Null prefix/suffix not allowed")
				}
				if op == "prefix" {
					ab.prefixes = append(ab.prefixes, it.text)
				} else {
					ab.suffixes = append(ab.suffixes, it.text)
				}
			case "equals-ignore-case":
				if it.kind != jString {
					return fail(it, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
				}
				ab.folded = append(ab.folded, it.text)
			case "wildcard":
				w, err := c.wildcard(it, path)
				if err != nil {
					return cond{}, err
				}
				ab.wilds = append(ab.wilds, w)
			}
		}
	default:
		return fail(v, "Value of anything-but must be an array or single string/number value.")
	}
	return cond{kind: cAnythingBut, but: ab}, nil
}

// wildcard is a compiled wildcard: the literal parts between its stars.
type wildcard struct {
	parts []string // len(parts) = stars + 1
}

func (c *compiler) wildcard(v *jnode, path []string) (wildcard, error) {
	if v.kind != jString {
		return wildcard{}, c.errAt(v, path, "wildcard match pattern must be a string")
	}
	s := v.text
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return wildcard{}, c.errAt(v, path, fmt.Sprintf("Invalid escape character at pos %d", i+1))
			}
			cur.WriteByte(s[i+1])
			i++
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return wildcard{}, c.errAt(v, path, fmt.Sprintf("Consecutive wildcard characters at pos %d", i+1))
			}
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return wildcard{parts: append(parts, cur.String())}, nil
}

// match is glob matching where only * is special; leftmost placement of
// each middle part is enough, so it never backtracks.
func (w wildcard) match(s string) bool {
	p := w.parts
	if len(p) == 1 {
		return s == p[0]
	}
	last := p[len(p)-1]
	if len(s) < len(p[0])+len(last) || !strings.HasPrefix(s, p[0]) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(p[0]) : len(s)-len(last)]
	for _, mid := range p[1 : len(p)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return true
}

// matches reports whether one leaf value satisfies the condition (exists
// is decided by the caller, from the presence of leaves).
func (cd *cond) matches(v *value) bool {
	switch cd.kind {
	case cExact:
		return v.kind == cd.val.kind && v.str == cd.val.s
	case cPrefix:
		if v.kind != vString {
			return false
		}
		if cd.fold {
			return hasPrefixFold(v.str, cd.s)
		}
		return strings.HasPrefix(v.str, cd.s)
	case cSuffix:
		if v.kind != vString {
			return false
		}
		if cd.fold {
			return hasSuffixFold(v.str, cd.s)
		}
		return strings.HasSuffix(v.str, cd.s)
	case cEqualsIgnoreCase:
		return v.kind == vString && strings.EqualFold(v.str, cd.s)
	case cWildcard:
		return v.kind == vString && cd.wild.match(v.str)
	case cNumeric:
		r := v.rat()
		if r == nil {
			return false
		}
		if cd.lo != nil {
			if c := r.Cmp(cd.lo); c < 0 || (c == 0 && !cd.loIncl) {
				return false
			}
		}
		if cd.hi != nil {
			if c := r.Cmp(cd.hi); c > 0 || (c == 0 && !cd.hiIncl) {
				return false
			}
		}
		return true
	case cCIDR:
		if v.kind != vString {
			return false
		}
		ip, err := netip.ParseAddr(v.str)
		if err != nil || ip.Zone() != "" {
			return false
		}
		ip = ip.Unmap()
		return cd.cidr.Contains(ip) && ip.Compare(cd.base) >= 0
	case cAnythingBut:
		return !cd.but.excludes(v)
	}
	return false
}

// excludes reports whether the value is one anything-but rules out. Only
// strings can be ruled out by prefix, suffix, equals-ignore-case and
// wildcard; any other value passes them.
func (ab *anythingBut) excludes(v *value) bool {
	if ab.values != nil {
		return ab.values[valKey{v.kind, v.str}]
	}
	if v.kind != vString {
		return false
	}
	for _, p := range ab.prefixes {
		if strings.HasPrefix(v.str, p) {
			return true
		}
	}
	for _, p := range ab.suffixes {
		if strings.HasSuffix(v.str, p) {
			return true
		}
	}
	for _, p := range ab.folded {
		if strings.EqualFold(v.str, p) {
			return true
		}
	}
	for _, w := range ab.wilds {
		if w.match(v.str) {
			return true
		}
	}
	return false
}

// foldEq reports whether two runes are equal under simple Unicode case
// folding, as strings.EqualFold compares them.
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	for _, pr := range prefix {
		if s == "" {
			return false
		}
		sr, n := utf8.DecodeRuneInString(s)
		if !foldEq(sr, pr) {
			return false
		}
		s = s[n:]
	}
	return true
}

func hasSuffixFold(s, suffix string) bool {
	for suffix != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeLastRuneInString(suffix)
		sr, sn := utf8.DecodeLastRuneInString(s)
		if !foldEq(sr, pr) {
			return false
		}
		suffix, s = suffix[:len(suffix)-pn], s[:len(s)-sn]
	}
	return true
}

// canonNumber returns a JSON number's canonical exact form (equal numbers,
// however written, get the same form) and its value. A number whose exponent
// is beyond float64's range keeps its text and has no value: it equals only
// itself and matches no numeric range, and big.Rat is spared a 1e999999999.
func canonNumber(text string) (string, *big.Rat) {
	if isSmallInt(text) {
		r, _ := new(big.Rat).SetString(text)
		return text, r
	}
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		exp, err := strconv.Atoi(text[i+1:])
		if err != nil || exp > 400 || exp < -400 {
			return "~" + text, nil
		}
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return "~" + text, nil
	}
	return r.RatString(), r
}

// isSmallInt reports whether a JSON number is an integer already in
// canonical form: no fraction, no exponent, not -0.
func isSmallInt(text string) bool {
	if len(text) == 0 || len(text) > 18 || text == "-0" {
		return false
	}
	for i := 0; i < len(text); i++ {
		if (text[i] < '0' || text[i] > '9') && !(i == 0 && text[i] == '-') {
			return false
		}
	}
	return true
}
