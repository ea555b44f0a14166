package netguard

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestKind(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": Loopback, "::1": Loopback, "::ffff:127.0.0.1": Loopback,
		"169.254.169.254": LinkLocal, "fe80::1": LinkLocal, "0.0.0.0": Unspecified, "::": Unspecified,
		"224.0.0.1": Multicast, "ff02::1": Multicast, "255.255.255.255": Multicast,
		"10.1.2.3": Private, "192.168.1.1": Private, "172.16.0.1": Private, "fd00::1": Private, "100.64.0.1": Private,
		"fd00:ec2::254": Metadata, "100.100.100.200": Metadata, "168.63.129.16": Metadata,
		"8.8.8.8": "", "2001:db8::1": "",
	} {
		if got := Kind(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Kind(%s) = %q, want %q", addr, got, want)
		}
	}
}

// TestControl: a dialer with Control(Local...) cannot reach a loopback
// listener, and says why; one with nothing refused can.
func TestControl(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, err = (&net.Dialer{Control: Control(Local...)}).Dial("tcp", ln.Addr().String())
	var be *BlockedAddressError
	if !errors.As(err, &be) || be.Kind != Loopback {
		t.Fatalf("dial of loopback with Local refused: %v", err)
	}
	c, err := (&net.Dialer{Control: Control()}).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial with nothing refused: %v", err)
	}
	c.Close()
}
