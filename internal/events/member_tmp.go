package events

import "fmt"

// TEMP until pbus lands

// MemberName is the consumer name of a group's member for cluster
// partition p ("triggers@07").
func MemberName(name string, p int) string { return name + "@" + fmt.Sprintf("%02d", p) }
