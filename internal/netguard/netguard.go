// Package netguard keeps programs' outgoing connections off the addresses
// a hostile URL could aim at: the server's own loopback services, the
// cloud's metadata service (link-local 169.254.169.254, fd00:ec2::254),
// the private network. Workflows choose URLs (webhook targets, http
// steps, copy sources), so a deployer could otherwise reach what only the
// server should (server-side request forgery).
//
// The check runs in the dialer's Control, on the address being dialled
// after name resolution: a name that resolves (or re-resolves, DNS
// rebinding) to a refused address is refused too.
package netguard

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Kinds of addresses.
const (
	Loopback    = "loopback"
	LinkLocal   = "link-local" // 169.254/16, fe80::/10: cloud metadata services
	Metadata    = "metadata"   // a cloud's metadata address outside link-local
	Unspecified = "unspecified"
	Multicast   = "multicast"
	Private     = "private" // 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7
)

// sharedAddressSpace is 100.64.0.0/10 (carrier-grade NAT; some clouds
// serve metadata there).
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// metadata are cloud metadata addresses that are not link-local: AWS's
// IPv6 instance metadata, Alibaba's, Azure's wire server.
var metadata = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("168.63.129.16"),
}

// Kind says what kind of special address a is, "" for an ordinary public
// one.
func Kind(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return Loopback
	case a.IsLinkLocalUnicast():
		return LinkLocal
	case a.IsUnspecified() || (a.Is4() && a.As4()[0] == 0):
		return Unspecified
	case a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return Multicast
	}
	for _, m := range metadata {
		if a == m {
			return Metadata
		}
	}
	if a.IsPrivate() || sharedAddressSpace.Contains(a) {
		return Private
	}
	return ""
}

// BlockedAddressError is a connection refused by the check.
type BlockedAddressError struct {
	Addr netip.Addr
	Kind string
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("the address %s is %s", e.Addr, e.Kind)
}

// Control returns a net.Dialer Control refusing the addresses of the
// kinds listed.
func Control(refused ...string) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("unexpected address %q", address)
		}
		k := Kind(a)
		for _, r := range refused {
			if k != "" && k == r {
				return &BlockedAddressError{Addr: a.Unmap(), Kind: k}
			}
		}
		return nil
	}
}

// Local are the kinds refused to the steps of a shared server: the
// server's own machine and the cloud's metadata. The private network
// stays reachable (the databases and APIs pipelines work with).
var Local = []string{Loopback, LinkLocal, Metadata, Unspecified, Multicast}

// All are every special kind (webhooks, which have no business on the
// private network unless allowed).
var All = []string{Loopback, LinkLocal, Metadata, Unspecified, Multicast, Private}
