package notify

import "fmt"

// TEMP until pbus lands: events.MemberName replaces it.
//
// memberName is the consumer name of a group's member for cluster
// partition p ("notifications@07").
func memberName(name string, p int) string { return name + "@" + fmt.Sprintf("%02d", p) }
