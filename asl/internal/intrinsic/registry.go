package intrinsic

// kind is what a parameter accepts, for checking literal arguments.
type kind uint8

const (
	anyKind kind = iota
	stringKind
	numberKind
	arrayKind
	objectKind
)

func (k kind) String() string {
	switch k {
	case stringKind:
		return "a string"
	case numberKind:
		return "a number"
	case arrayKind:
		return "an array"
	case objectKind:
		return "an object"
	}
	return "any value"
}

// function describes one States.* function.
type function struct {
	name     string
	params   []kind // kinds of the positional parameters
	required int    // how many of params must be given
	variadic bool   // more arguments of any kind may follow params
	// check makes function-specific checks of literal arguments; may be nil.
	check func(p *parser, c *callNode) error
	eval  func(c *callNode, args []any) (any, error)
	// size bounds the JSON size of the result from the arguments, stopping
	// once past limit, for functions whose result can be far larger than
	// their arguments' values in memory; may be nil.
	size func(c *callNode, args []any, limit int) int
}

// functions holds the 18 intrinsic functions, by name.
var functions = map[string]*function{}

func register(f *function) { functions[f.name] = f }

func init() {
	for _, f := range []*function{
		{name: "States.Format", params: []kind{stringKind}, required: 1, variadic: true, check: checkFormat, eval: evalFormat, size: formatSize},
		{name: "States.StringToJson", params: []kind{stringKind}, required: 1, eval: evalStringToJSON},
		{name: "States.JsonToString", params: []kind{anyKind}, required: 1, eval: evalJSONToString, size: jsonToStringSize},
		{name: "States.Array", variadic: true, eval: evalArray},
		{name: "States.ArrayPartition", params: []kind{arrayKind, numberKind}, required: 2, check: checkArrayPartition, eval: evalArrayPartition},
		{name: "States.ArrayContains", params: []kind{arrayKind, anyKind}, required: 2, eval: evalArrayContains},
		{name: "States.ArrayRange", params: []kind{numberKind, numberKind, numberKind}, required: 3, check: checkArrayRange, eval: evalArrayRange},
		{name: "States.ArrayGetItem", params: []kind{arrayKind, numberKind}, required: 2, check: checkArrayGetItem, eval: evalArrayGetItem},
		{name: "States.ArrayLength", params: []kind{arrayKind}, required: 1, eval: evalArrayLength},
		{name: "States.ArrayUnique", params: []kind{arrayKind}, required: 1, eval: evalArrayUnique},
		{name: "States.Base64Encode", params: []kind{stringKind}, required: 1, check: checkTextLimit, eval: evalBase64Encode},
		{name: "States.Base64Decode", params: []kind{stringKind}, required: 1, check: checkTextLimit, eval: evalBase64Decode},
		{name: "States.Hash", params: []kind{anyKind, stringKind}, required: 2, check: checkHash, eval: evalHash},
		{name: "States.JsonMerge", params: []kind{objectKind, objectKind, anyKind}, required: 3, check: checkJSONMerge, eval: evalJSONMerge},
		{name: "States.MathRandom", params: []kind{numberKind, numberKind, numberKind}, required: 2, check: checkMathRandom, eval: evalMathRandom},
		{name: "States.MathAdd", params: []kind{numberKind, numberKind}, required: 2, check: checkMathAdd, eval: evalMathAdd},
		{name: "States.StringSplit", params: []kind{stringKind, stringKind}, required: 2, eval: evalStringSplit},
		{name: "States.UUID", eval: evalUUID},
	} {
		register(f)
	}
}
