package intrinsic

import (
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// testEnv builds the environment of the evaluation tests: the input, a
// context object and one variable, "$greeting".
func testEnv(t *testing.T, input string) jsonpath.Env {
	t.Helper()
	in := mustJSON(t, input)
	ctx := mustJSON(t, `{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:sm:run1","Name":"run1","Input":{"start":2,"end":6,"step":2}},"State":{"Name":"S"}}`)
	return jsonpath.Env{
		Input:   in,
		Context: func() any { return ctx },
		Var: func(name string) (any, bool) {
			if name == "greeting" {
				return map[string]any{"text": "hi"}, true
			}
			return nil, false
		},
	}
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return map[string]any{}
	}
	v, err := value.Parse([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func eval(t *testing.T, src, input string) (any, error) {
	t.Helper()
	c, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return c.Eval(testEnv(t, input))
}

// TestEval covers the examples of the AWS documentation and the
// specification, and results recorded from Step Functions.
func TestEval(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		input string
		want  string // JSON
	}{
		// States.Format
		{"format spec example", `States.Format('Your name is {}, we are in the year {}', $.name, 2020)`, `{"name":"Foo","zebra":"stripe"}`, `"Your name is Foo, we are in the year 2020"`},
		{"format escaped quote", `States.Format('Welcome to {} {}\'s playlist.', $.firstName, $.lastName)`, `{"firstName":"John","lastName":"Doe"}`, `"Welcome to John Doe's playlist."`},
		{"format doc example", `States.Format('Hello, my name is {}.', $.name)`, `{"name":"Arnav"}`, `"Hello, my name is Arnav."`},
		{"format template from path", `States.Format($.template, $.name)`, `{"template":"Hello, my name is {}.","name":"Arnav"}`, `"Hello, my name is Arnav."`},
		{"format escaped braces", `States.Format('\{{}\} \\ {}', 1, 'x')`, ``, `"{1} \\ x"`},
		{"format escaped braces in path template", `States.Format($.t, 1)`, `{"t":"\\{{}\\}"}`, `"{1}"`},
		{"format no placeholders", `States.Format('no placeholders')`, ``, `"no placeholders"`},
		{"format empty string", `States.Format('Formatting argument {}.', $.v)`, `{"v":""}`, `"Formatting argument ."`},
		{"format null", `States.Format('Formatting argument {}.', $.v)`, `{"v":null}`, `"Formatting argument null."`},
		{"format integer", `States.Format('Formatting argument {}.', $.v)`, `{"v":1}`, `"Formatting argument 1."`},
		{"format decimal", `States.Format('Formatting argument {}.', $.v)`, `{"v":1.1}`, `"Formatting argument 1.1."`},
		{"format mixed scalars", `States.Format('{}|{}|{}|{}|{}', $.nil, $.bool, $.negative, $.fractional, $.huge)`, `{"nil":null,"bool":false,"negative":-1,"fractional":3.5,"huge":9007199254740991}`, `"null|false|-1|3.5|9007199254740991"`},
		{"format double", `States.Format('{} {} {}', $.a, $.b, $.c)`, `{"a":1.0,"b":12345678.9,"c":0.0001}`, `"1.0 1.23456789E7 1.0E-4"`},
		{"format object", `States.Format('Formatting arguments fst={} and snd={}.', $.fst, $.snd)`, `{"fst":{"Arg1":1,"Arg2":[]},"snd":{"Arg1":1,"Arg2":[]}}`, `"Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}."`},
		{"format array", `States.Format('{}', $.a)`, `{"a":[1,"two",null,[true],{"k":"v"}]}`, `"[1, two, null, [true], {k=v}]"`},
		{"format context", `States.Format('{} in {}', $$.Execution.Name, $$.State.Name)`, ``, `"run1 in S"`},
		{"format variable", `States.Format('{}!', $greeting.text)`, ``, `"hi!"`},
		{"format nested JsonToString", `States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))`, `{"svc":"lambda","obj":{"k":1}}`, `"arn:lambda:{\"k\":1}"`},
		{"format keeps whitespace", `States.Format('  {}  ', $.a)`, `{"a":"x"}`, `"  x  "`},

		// States.StringToJson
		{"string to json doc", `States.StringToJson($.someString)`, `{"someString":"{\"number\": 20}","zebra":"stripe"}`, `{"number":20}`},
		{"string to json literal", `States.StringToJson('{"foo": "bar"}')`, ``, `{"foo":"bar"}`},
		{"string to json empty", `States.StringToJson($.s)`, `{"s":""}`, `null`},
		{"string to json blank", `States.StringToJson($.s)`, `{"s":" "}`, `null`},
		{"string to json null", `States.StringToJson('null')`, ``, `null`},
		{"string to json minus zero", `States.StringToJson('-0')`, ``, `0`},
		{"string to json decimal", `States.StringToJson('1.1')`, ``, `1.1`},
		{"string to json string", `States.StringToJson('"HelloWorld"')`, ``, `"HelloWorld"`},
		{"string to json array", `States.StringToJson('[1, 2, "HelloWorld"]')`, ``, `[1,2,"HelloWorld"]`},
		{"string to json padded", `States.StringToJson($.s)`, `{"s":" {\"a\":1} "}`, `{"a":1}`},

		// States.JsonToString
		{"json to string spec", `States.JsonToString($.someJson)`, `{"someJson":{"name":"Foo","year":2020},"zebra":"stripe"}`, `"{\"name\":\"Foo\",\"year\":2020}"`},
		{"json to string number", `States.JsonToString($.v)`, `{"v":1.1}`, `"1.1"`},
		{"json to string string", `States.JsonToString($.v)`, `{"v":"hello"}`, `"\"hello\""`},
		{"json to string literal", `States.JsonToString('x')`, ``, `"\"x\""`},
		{"json to string null", `States.JsonToString($.v)`, `{"v":null}`, `"null"`},
		{"json to string nested call", `States.JsonToString(States.Array($.a, $.b))`, `{"a":1,"b":2}`, `"[1,2]"`},

		// States.Array
		{"array spec example", `States.Array('Foo', 2020, $.someJson, null)`, `{"someJson":{"random":"abcdefg"},"zebra":"stripe"}`, `["Foo",2020,{"random":"abcdefg"},null]`},
		{"array doc example", `States.Array($.Id)`, `{"Id":123456}`, `[123456]`},
		{"array empty", `States.Array()`, ``, `[]`},
		{"array literals", `States.Array(42, true, false, null, 'hello', -1.5, 1e2)`, ``, `[42,true,false,null,"hello",-1.5,100.0]`},
		{"array nested", `States.Array(1, States.Array(2, 3))`, ``, `[1,[2,3]]`},
		{"array root and context", `States.Array($, $$.Execution.Input.start)`, `{"a":1}`, `[{"a":1},2]`},
		{"array indefinite path", `States.Array($.a[*].b)`, `{"a":[{"b":1},{"b":2}]}`, `[[1,2]]`},
		{"array quoted member", `States.Array($['a, b'])`, `{"a, b":7}`, `[7]`},

		// States.ArrayPartition
		{"partition spec", `States.ArrayPartition($.inputArray,4)`, `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"partition singletons", `States.ArrayPartition($.a, 1)`, `{"a":[1,2,3]}`, `[[1],[2],[3]]`},
		{"partition oversized", `States.ArrayPartition($.a, 10)`, `{"a":[1,2,3]}`, `[[1,2,3]]`},
		{"partition huge", `States.ArrayPartition($.a, 2147483647)`, `{"a":[1,2,3]}`, `[[1,2,3]]`},
		{"partition empty", `States.ArrayPartition($.a, 3)`, `{"a":[]}`, `[]`},
		{"partition truncates size", `States.ArrayPartition($.a, 2.6)`, `{"a":[1,2,3,4,5]}`, `[[1,2],[3,4],[5]]`},
		{"partition nested call", `States.ArrayPartition(States.Array(1,2,3,4,5), 2)`, ``, `[[1,2],[3,4],[5]]`},

		// States.ArrayContains
		{"contains spec", `States.ArrayContains($.inputArray, $.lookingFor)`, `{"inputArray":[1,2,3,4,5,6,7,8,9],"lookingFor":5}`, `true`},
		{"contains absent", `States.ArrayContains($.a, 5)`, `{"a":[1,2,3]}`, `false`},
		{"contains string", `States.ArrayContains($.a, 'C')`, `{"a":["A","B","C"]}`, `true`},
		{"contains null", `States.ArrayContains($.a, null)`, `{"a":[1,null,3]}`, `true`},
		{"contains empty", `States.ArrayContains($.a, 1)`, `{"a":[]}`, `false`},
		{"contains array", `States.ArrayContains($.a, $.t)`, `{"a":[[1,2,3],2],"t":[1,2,3]}`, `true`},
		{"contains object", `States.ArrayContains($.a, $.t)`, `{"a":[{"a":1},{"b":2}],"t":{"a":1}}`, `true`},
		{"contains object with extra field", `States.ArrayContains($.a, $.t)`, `{"a":[{"a":1}],"t":{"a":1,"extra":null}}`, `false`},
		{"contains boolean", `States.ArrayContains($.a, false)`, `{"a":[true,false]}`, `true`},
		{"contains no bool-number match", `States.ArrayContains($.a, false)`, `{"a":[0,1,-1,-1.5]}`, `false`},
		{"contains compares string forms", `States.ArrayContains($.a, true)`, `{"a":["true","false"]}`, `true`},

		// States.ArrayRange
		{"range spec", `States.ArrayRange(1, 9, 2)`, ``, `[1,3,5,7,9]`},
		{"range 0 9 3", `States.ArrayRange($.f, $.l, $.s)`, `{"f":0,"l":9,"s":3}`, `[0,3,6,9]`},
		{"range 0 10 3", `States.ArrayRange($.f, $.l, $.s)`, `{"f":0,"l":10,"s":3}`, `[0,3,6,9]`},
		{"range 1 9 9", `States.ArrayRange(1, 9, 9)`, ``, `[1]`},
		{"range descending", `States.ArrayRange(5, 1, -2)`, ``, `[5,3,1]`},
		{"range equal bounds", `States.ArrayRange(3, 3, -1)`, ``, `[3]`},
		{"range wrong direction", `States.ArrayRange(5, 1, 1)`, ``, `[]`},
		{"range truncates", `States.ArrayRange(1.6, 1.4, 1)`, ``, `[1]`},
		{"range truncates negative", `States.ArrayRange(5.4, -0.6, -2.4)`, ``, `[5,3,1]`},
		{"range context", `States.ArrayRange($$.Execution.Input.start, $$.Execution.Input.end, $$.Execution.Input.step)`, ``, `[2,4,6]`},

		// States.ArrayGetItem
		{"get item spec", `States.ArrayGetItem($.inputArray, $.index)`, `{"inputArray":[1,2,3,4,5,6,7,8,9],"index":5}`, `6`},
		{"get item first", `States.ArrayGetItem($.a, 0)`, `{"a":["a","b","c"]}`, `"a"`},
		{"get item object", `States.ArrayGetItem($.a, 1)`, `{"a":[{"a":1},{"b":2}]}`, `{"b":2}`},
		{"get item truncates", `States.ArrayGetItem($.a, 1.2)`, `{"a":[10,20,30]}`, `20`},
		{"get item empty array", `States.ArrayGetItem($.a, 999)`, `{"a":[]}`, `null`},
		{"get item nested", `States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.Arn, '/'), 2), '.'), 0)`, `{"Arn":"arn:aws:imagebuilder:us-east-1:123:image-recipe/my-recipe/1.0.2"}`, `"1"`},

		// States.ArrayLength
		{"length spec", `States.ArrayLength($.inputArray)`, `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `9`},
		{"length empty", `States.ArrayLength(States.Array())`, ``, `0`},

		// States.ArrayUnique
		{"unique spec", `States.ArrayUnique($.inputArray)`, `{"inputArray":[1,2,3,3,3,3,3,3,4]}`, `[1,2,3,4]`},
		{"unique mixed", `States.ArrayUnique($.a)`, `{"a":[1,"1",1.0,"01",null,null,[1],[1.0],{"a":1,"b":2},{"b":2,"a":1},{"a":"1"}]}`, `[1,"1","01",null,[1],{"a":1,"b":2},{"a":"1"}]`},
		{"unique order", `States.ArrayUnique($.a)`, `{"a":["a","b","a","c","b"]}`, `["a","b","c"]`},

		// States.Base64Encode / States.Base64Decode
		{"base64 encode spec", `States.Base64Encode($.input)`, `{"input":"Data to encode"}`, `"RGF0YSB0byBlbmNvZGU="`},
		{"base64 encode empty", `States.Base64Encode('')`, ``, `""`},
		{"base64 encode unicode", `States.Base64Encode('🚀✓')`, ``, `"8J+agOKckw=="`},
		{"base64 encode 10000", `States.Base64Encode($.s)`, `{"s":"` + strings.Repeat("a", 9999) + `"}`, `"` + strings.Repeat("YWFh", 3333) + `"`},
		{"base64 decode spec", `States.Base64Decode($.base64)`, `{"base64":"RGF0YSB0byBlbmNvZGU="}`, `"Data to encode"`},
		{"base64 decode empty", `States.Base64Decode('')`, ``, `""`},
		{"base64 decode unicode", `States.Base64Decode('44GT44KT44Gr44Gh44Gv')`, ``, `"こんにちは"`},
		{"base64 decode NUL", `States.Base64Decode('YWJjAGRlZg==')`, ``, `"abc\u0000def"`},
		{"base64 decode lenient spaces", `States.Base64Decode(' YWJjZA== ')`, ``, `"abcd"`},
		{"base64 decode missing padding", `States.Base64Decode('YWJjZA')`, ``, `"abcd"`},
		{"base64 decode inner padding", `States.Base64Decode('YWJj==ZA')`, ``, `"abcd"`},
		{"base64 decode invalid utf8", `States.Base64Decode('/w==')`, ``, `"\ufffd"`},
		{"base64 round trip", `States.Base64Decode(States.Base64Encode($.s))`, `{"s":"hello"}`, `"hello"`},

		// States.Hash
		{"hash spec sha1", `States.Hash($.Data, $.Algorithm)`, `{"Data":"input data","Algorithm":"SHA-1"}`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"hash md5", `States.Hash('hello', 'MD5')`, ``, `"5d41402abc4b2a76b9719d911017c592"`},
		{"hash sha256", `States.Hash('hello', 'SHA-256')`, ``, `"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"`},
		{"hash sha384", `States.Hash('hello', 'SHA-384')`, ``, `"59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"`},
		{"hash sha512", `States.Hash('hello', 'SHA-512')`, ``, `"9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"`},
		{"hash empty", `States.Hash('', 'SHA-256')`, ``, `"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`},
		{"hash unicode", `States.Hash($.s, 'SHA-256')`, `{"s":"✓"}`, `"1dabba21cdad44541f6b15796f8d22978fc7ea10c46aeceeeeb66c23b3ac7604"`},
		{"hash number as text", `States.Hash(123, 'MD5')`, ``, `"202cb962ac59075b964b07152d234b70"`},
		{"hash nested", `States.Hash(States.Format('{}:{}', $.a, $.b), 'SHA-256')`, `{"a":"x","b":"y"}`, `"1274e286686b54fe765ec40735665b4bf789cee2a5b22124c5e0491a88e15271"`},

		// States.JsonMerge
		{"merge spec", `States.JsonMerge($.json1, $.json2, false)`, `{"json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3}}`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{"merge null wins", `States.JsonMerge($.a, $.b, false)`, `{"a":{"nested":{"left":true},"keep":1},"b":{"nested":null}}`, `{"keep":1,"nested":null}`},
		{"merge non-boolean flag is shallow", `States.JsonMerge($.a, $.b, $.deep)`, `{"a":{"x":{"y":1}},"b":{"x":{"z":2}},"deep":"true"}`, `{"x":{"z":2}}`},
		{"merge escaped argument", `States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $$.Execution.Input, false)`, ``, `{"constant_in_literal":"false","end":6,"start":2,"step":2}`},

		// States.MathAdd
		{"add doc", `States.MathAdd($.value1, $.step)`, `{"value1":111,"step":-1}`, `110`},
		{"add -9 3", `States.MathAdd(-9, 3)`, ``, `-6`},
		{"add rounds 1.49 1.5", `States.MathAdd($.a, $.b)`, `{"a":1.49,"b":1.5}`, `3`},
		{"add rounds 1.5 1.51", `States.MathAdd($.a, $.b)`, `{"a":1.5,"b":1.51}`, `4`},
		{"add rounds -1.49 -1.5", `States.MathAdd($.a, $.b)`, `{"a":-1.49,"b":-1.5}`, `-2`},
		{"add rounds -1.5 -1.51", `States.MathAdd($.a, $.b)`, `{"a":-1.5,"b":-1.51}`, `-3`},
		{"add rounds 1.49 -1.49", `States.MathAdd(1.49, -1.49)`, ``, `0`},
		{"add rounds 0.5", `States.MathAdd(0.5, 0)`, ``, `1`},
		{"add rounds 2.5", `States.MathAdd(2.5, 0)`, ``, `3`},
		{"add rounds -0.5", `States.MathAdd(-0.5, 0)`, ``, `0`},
		{"add rounds -0.5 0.5", `States.MathAdd(-0.5, 0.5)`, ``, `1`},
		{"add rounds -2.5", `States.MathAdd(-2.5, 0)`, ``, `-2`},
		{"add rounds -3.5", `States.MathAdd(-3.5, 0)`, ``, `-3`},
		{"add max int32", `States.MathAdd(2147483646, 1)`, ``, `2147483647`},
		{"add min int32", `States.MathAdd(-2147483647, -1)`, ``, `-2147483648`},
		{"add nested", `States.MathAdd(States.MathAdd($.x, 1), 2)`, `{"x":5}`, `8`},

		// States.MathRandom with a seed is repeatable.
		{"random seeded", `States.Array(States.MathRandom(1, 100, 42), States.MathRandom(1, 100, 42))`, ``, `[63,63]`},
		{"random single value", `States.MathRandom($.s, $.e)`, `{"s":1,"e":2}`, `1`},

		// States.StringSplit
		{"split doc", `States.StringSplit($.inputString, $.splitter)`, `{"inputString":"1,2,3,4,5","splitter":","}`, `["1","2","3","4","5"]`},
		{"split character set", `States.StringSplit($.inputString, $.splitter)`, `{"inputString":"This.is+a,test=string","splitter":".+,="}`, `["This","is","a","test","string"]`},
		{"split drops empty pieces", `States.StringSplit($.s, ',')`, `{"s":",a,,b,"}`, `["a","b"]`},
		{"split empty string", `States.StringSplit('', ',')`, ``, `[]`},
		{"split empty delimiter", `States.StringSplit('abc', '')`, ``, `["abc"]`},
		{"split newline", "States.StringSplit('Hello\nWorld', '\n')", ``, `["Hello","World"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eval(t, tt.src, tt.input)
			if err != nil {
				t.Fatalf("Eval(%q): %v", tt.src, err)
			}
			want := mustJSON(t, tt.want)
			if g, w := value.Marshal(got), value.Marshal(want); string(g) != string(w) {
				t.Errorf("Eval(%q) = %s, want %s", tt.src, g, w)
			}
		})
	}
}

// TestEvalErrors checks the failures Step Functions reports while running a
// state: all are States.Runtime, naming the whole expression.
func TestEvalErrors(t *testing.T) {
	tests := []struct {
		src    string
		input  string
		detail string // after "had the following error: "
	}{
		{`States.Format('{}', $.nope)`, `{"other":1}`, `The JsonPath argument for the field '$.nope' could not be found in the input '{"other":1}'`},
		{`States.Format('{}', States.Format('{}', $.nope))`, `{"other":1}`, `The JsonPath argument for the field '$.nope' could not be found in the input '{"other":1}'`},
		{`States.Format('{}', $.items[5])`, `{"items":[1,2]}`, `The JsonPath argument for the field '$.items[5]' could not be found in the input '{"items":[1,2]}'`},
		{`States.Array($$.Nope)`, ``, `The JsonPath argument for the field '$$.Nope' could not be found in the input '{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:sm:run1","Input":{"end":6,"start":2,"step":2},"Name":"run1"},"State":{"Name":"S"}}'`},

		{`States.Format('{}', $greeting.nope)`, ``, `The JsonPath argument for the field '$greeting.nope' could not be found in the input '{"text":"hi"}'`},

		{`States.Format($.t)`, `{"t":123}`, `Invalid arguments in States.Format`},
		{`States.Format($.t, 1)`, `{"t":"{} {}"}`, `Invalid arguments in States.Format`},
		{`States.Format($.t)`, `{"t":"Hello {"}`, `Invalid arguments in States.Format`},
		{`States.StringToJson($.s)`, `{"s":"{bad json}"}`, `Invalid arguments in States.StringToJson`},
		{`States.StringToJson($.s)`, `{"s":123}`, `Invalid arguments in States.StringToJson`},
		{`States.ArrayPartition($.a, 2)`, `{"a":"x"}`, `Invalid arguments in States.ArrayPartition`},
		{`States.ArrayPartition($.a, $.n)`, `{"a":[1],"n":0.49}`, `Invalid arguments in States.ArrayPartition`},
		{`States.ArrayPartition($.a, $.n)`, `{"a":[1],"n":null}`, `Invalid arguments in States.ArrayPartition`},
		{`States.ArrayContains($.a, 1)`, `{"a":{}}`, `Invalid arguments in States.ArrayContains`},
		{`States.ArrayRange($.a, 5, 1)`, `{"a":"1"}`, `Invalid arguments in States.ArrayRange`},
		{`States.ArrayRange(1, $.b, 1)`, `{"b":1001}`, `Invalid arguments in States.ArrayRange`},
		{`States.ArrayRange(1, 5, $.s)`, `{"s":0.5}`, `Invalid arguments in States.ArrayRange`},
		{`States.ArrayGetItem($.a, 3)`, `{"a":[10,20,30]}`, `Invalid arguments in States.ArrayGetItem`},
		{`States.ArrayGetItem($.a, $.i)`, `{"a":[10,20,30],"i":-1}`, `Invalid arguments in States.ArrayGetItem`},
		{`States.ArrayGetItem($.a, $.i)`, `{"a":[10,20,30],"i":"1"}`, `Invalid arguments in States.ArrayGetItem`},
		{`States.ArrayLength($.o)`, `{"o":{"k":1}}`, `Invalid arguments in States.ArrayLength`},
		{`States.ArrayUnique($.o)`, `{"o":"x"}`, `Invalid arguments in States.ArrayUnique`},
		{`States.Base64Encode($.s)`, `{"s":"` + strings.Repeat("a", 10001) + `"}`, `Invalid arguments in States.Base64Encode`},
		{`States.Base64Encode($.s)`, `{"s":["x"]}`, `Invalid arguments in States.Base64Encode`},
		{`States.Base64Decode($.s)`, `{"s":"` + strings.Repeat("A", 10001) + `"}`, `Invalid arguments in States.Base64Decode`},
		{`States.Base64Decode($.s)`, `{"s":{}}`, `Invalid arguments in States.Base64Decode`},
		{`States.Hash($.s, 'SHA-256')`, `{"s":"` + strings.Repeat("a", 10001) + `"}`, `Invalid arguments in States.Hash`},
		{`States.Hash($.s, 'SHA-256')`, `{"s":"` + strings.Repeat("✓", 9999) + "🚀" + `"}`, `Invalid arguments in States.Hash`},
		{`States.Hash('x', $.a)`, `{"a":"SHA-257"}`, `Invalid arguments in States.Hash`},
		{`States.JsonMerge($.a, $.b, false)`, `{"a":null,"b":{}}`, `Invalid arguments in States.JsonMerge`},
		{`States.JsonMerge($.a, $.b, false)`, `{"a":{},"b":[]}`, `Invalid arguments in States.JsonMerge`},
		{`States.JsonMerge($.a, $.b, $.deep)`, `{"a":{},"b":{},"deep":true}`, `Invalid arguments in States.JsonMerge`},
		{`States.MathAdd($.a, 1)`, `{"a":"1"}`, `Invalid arguments in States.MathAdd`},
		{`States.MathAdd($.a, 1)`, `{"a":2147483647}`, `Invalid arguments in States.MathAdd`},
		{`States.MathAdd($.a, -1)`, `{"a":-2147483648}`, `Invalid arguments in States.MathAdd`},
		{`States.MathAdd($.a, $.b)`, `{"a":[1],"b":1}`, `Invalid arguments in States.MathAdd`},
		{`States.MathRandom($.s, $.e)`, `{"s":1.49,"e":1.49}`, `Invalid arguments in States.MathRandom`},
		{`States.MathRandom($.s, $.e)`, `{"s":"a","e":10}`, `Invalid arguments in States.MathRandom`},
		{`States.MathRandom(1, 10, $.seed)`, `{"seed":null}`, `Invalid arguments in States.MathRandom`},
		{`States.StringSplit($.s, ',')`, `{"s":123}`, `Invalid arguments in States.StringSplit`},
		{`States.StringSplit($.s, $.d)`, `{"s":"a,b","d":[","]}`, `Invalid arguments in States.StringSplit`},
	}
	for _, tt := range tests {
		_, err := eval(t, tt.src, tt.input)
		var ie *Error
		if !errors.As(err, &ie) {
			t.Errorf("Eval(%.60q) = %v, want an *Error", tt.src, err)
			continue
		}
		want := "The function '" + tt.src + "' had the following error: " + tt.detail
		if ie.Name != ErrRuntime || ie.Cause != want {
			t.Errorf("Eval(%.60q) error\n got %s: %.300s\nwant %s: %.300s", tt.src, ie.Name, ie.Cause, ErrRuntime, want)
		}
	}
}

func TestEvalNilCall(t *testing.T) {
	var c *Call
	if _, err := c.Eval(jsonpath.Env{}); err == nil {
		t.Error("Eval on a nil *Call succeeded")
	}
}

// TestEvalConcurrent runs one parsed call from many goroutines (under -race
// this checks that a Call is safe for concurrent use) and checks that the
// input is left alone.
func TestEvalConcurrent(t *testing.T) {
	c, err := Parse(`States.Array(States.JsonMerge($.a, $.b, false), States.ArrayPartition($.l, 2), States.Format('{}', $.a), States.MathRandom(1, 5, 3))`)
	if err != nil {
		t.Fatal(err)
	}
	const input = `{"a":{"x":1},"b":{"y":2},"l":[1,2,3]}`
	env := testEnv(t, input)
	done := make(chan error)
	for range 8 {
		go func() {
			_, err := c.Eval(env)
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if got := string(value.Marshal(env.Input)); got != input {
		t.Errorf("input changed to %s", got)
	}
}
