package server

import (
	"crypto/tls"
	"fmt"
	"net"
	"sync/atomic"
)

// TLSConfig makes the server serve HTTPS.
type TLSConfig struct {
	// CertFile and KeyFile are PEM files (the certificate may hold its
	// chain). Both or neither.
	CertFile, KeyFile string
}

// certReloader serves the certificate last loaded; Reload reads the files
// again (on SIGHUP), so that a renewed certificate takes effect without a
// restart. A failed reload keeps the certificate in use.
type certReloader struct {
	cfg  TLSConfig
	cert atomic.Pointer[tls.Certificate]
}

func newCertReloader(c TLSConfig) (*certReloader, error) {
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, fmt.Errorf("--tls-cert and --tls-key go together: give both files, or neither")
	}
	if c.CertFile == "" {
		return nil, nil
	}
	r := &certReloader{cfg: c}
	return r, r.Reload()
}

// Reload reads the certificate and key files again.
func (r *certReloader) Reload() error {
	cert, err := tls.LoadX509KeyPair(r.cfg.CertFile, r.cfg.KeyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s and key %s: %w", r.cfg.CertFile, r.cfg.KeyFile, err)
	}
	r.cert.Store(&cert)
	return nil
}

func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// HTTP/1.1 only: the connection and stream limits, timeouts and
		// event streams are made for it.
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.cert.Load(), nil
		},
	}
}

// ReloadTLS reads the server's certificate and key files again (a no-op
// without TLS); on error the server keeps serving the old certificate.
func (s *Server) ReloadTLS() error {
	if s.certs == nil {
		return nil
	}
	return s.certs.Reload()
}

// plainConn returns the connection under TLS, where the connection
// limits keep their state.
func plainConn(c net.Conn) net.Conn {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return c
}
