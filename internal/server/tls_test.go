package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with serial n
// to cert and key, and returns it.
func writeCert(t *testing.T, cert, key string, n int64) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: "baton test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	must(os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	c, err := x509.ParseCertificate(der)
	must(err)
	return c
}

// servedSerial connects over TLS trusting only want and returns the
// serial of the certificate served.
func servedSerial(t *testing.T, addr string, trust *x509.Certificate) int64 {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(trust)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}
	res, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /healthz over TLS: %d", res.StatusCode)
	}
	return res.TLS.PeerCertificates[0].SerialNumber.Int64()
}

// TestTLSReload: the server serves its certificate, and after ReloadTLS
// the one now in the files; a broken file leaves the old one served.
func TestTLSReload(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := writeCert(t, cert, key, 1)
	cfg := quietConfig(t.TempDir())
	cfg.TLS = TLSConfig{CertFile: cert, KeyFile: key}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if got := servedSerial(t, s.Addr(), first); got != 1 {
		t.Fatalf("serial %d", got)
	}
	second := writeCert(t, cert, key, 2)
	if err := s.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, s.Addr(), second); got != 2 {
		t.Fatalf("serial after reload %d", got)
	}
	os.WriteFile(key, []byte("not a key"), 0o600)
	if err := s.ReloadTLS(); err == nil {
		t.Fatal("ReloadTLS of a broken key passed")
	}
	if got := servedSerial(t, s.Addr(), second); got != 2 {
		t.Fatalf("serial after a failed reload %d", got)
	}
	cfg2 := quietConfig(t.TempDir())
	cfg2.TLS = TLSConfig{CertFile: cert}
	if _, err := Start(context.Background(), cfg2); err == nil {
		t.Error("--tls-cert without --tls-key started")
	}
}
