package jsonpath
import ("testing";"fmt";"github.com/batonhq/baton/asl/internal/value")
func TestScratch(t *testing.T){
 doc, _ := value.ParseString(`{"foo":123,"bar":["a","b","c"],"car":{"cdr":true},"store":{"book":[{"price":8,"t":"x"},{"price":12,"t":"y"}]}, "a b": 1, "n": null, "s": "str"}`)
 for _, s := range []string{"$", "$.foo", "$.bar", "$.car.cdr", "$.bar[1]", "$.bar[-1]", "$['a b']", "$.nope", "$.nope.x", "$.foo.x", "$.bar[9]", "$.foo[0]", "$.n[0]", "$.bar[*]", "$.nope[*]", "$.foo[*]", "$..price", "$.store.book[?(@.price < 10)].t", "$.store.book[?(@.t =~ /X/i)]", "$.bar[0:2]", "$.bar[-2:]", "$['foo','car']", "$.*", "$..*", "$.store..[?(@.price>10)]", "$.", "$.a[", "$x.y", "$$.Execution", "$.foo bar", "$.a.length()", "$[?(@ == 'a')]", "$.bar[?(@ in ['a','c'])]", "$.store.book[?(@.price > $.foo)]"} {
  p, err := Parse(s)
  if err != nil { fmt.Println(s, "PARSE:", err); continue }
  v, err := p.Get(Env{Input: doc, Var: func(n string)(any,bool){ if n=="x" {return map[string]any{"y": 5}, true}; return nil,false}})
  fmt.Printf("%s => %s  err=%v\n", s, value.Marshal(v), err)
 }
 for _, s := range []string{"$.a.b", "$.a[0]", "$.a*", "$..a", "$.a[?(@)]", "$.a[1:2]", "$['a','b']", "$.a\\@b", "$.store\\.book", "$.\\stor\\e.boo\\k", "$.foo\\@bar.baz\\[\\[.\\?pretty", "$.&Ж中.\\uD800\\uDF46", "$.ledgers[0][22][315].foo", "$['store'][0]['book']", "$.a:b"} {
  p, err := ParseReference(s)
  if err != nil { fmt.Println(s, "PARSE:", err); continue }
  fmt.Printf("%s => %s\n", s, normPath(p.steps))
 }
 in, _ := value.ParseString(`{"a":{"b":1},"x":5,"arr":[1,{"k":2}]}`)
 for _, s := range []string{"$", "$.r", "$.a.c", "$.a.b", "$.x.y", "$.new.deep.er", "$.arr[1].k", "$.arr[5]"} {
   p, _ := ParseReference(s)
   v, err := Set(in, p, "R")
   fmt.Printf("set %s => %s err=%v\n", s, value.Marshal(v), err)
 }
 fmt.Println(string(value.Marshal(in)))
}
