package tasks
import ("testing";"fmt")
func TestShowErrs(t *testing.T){
	for _, c := range []string{"{\n  \"StateMachines\": {,}\n}", `{"StateMachines": 1`, `{"a":1} x`} {
		_, err := ParseMockConfig([]byte(c)); fmt.Println(err)
	}
}
