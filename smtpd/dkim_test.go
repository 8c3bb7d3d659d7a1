package smtpd_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/smtpd"
)

func verifyDKIM(t *testing.T, msg []byte, selector, domain, txt string) {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if name == selector+"._domainkey."+domain {
				return []string{txt}, nil
			}
			return nil, fmt.Errorf("no TXT for %s", name)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d signatures, want 1:\n%s", len(vs), msg)
	}
	if vs[0].Err != nil || vs[0].Domain != domain {
		t.Fatalf("signature does not verify: %v (domain %q)\n%s", vs[0].Err, vs[0].Domain, msg)
	}
}

func putKey(t testing.TB, db *store.DB, domain, selector, alg string) string {
	t.Helper()
	pemText, txt, err := smtpd.GenerateDKIMKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := smtpd.ParseDKIMKey(pemText); err != nil {
		t.Fatalf("generated key does not parse: %v", err)
	}
	if err := db.PutDKIMKey(context.Background(), store.DKIMKey{Domain: domain, Selector: selector, Algorithm: alg, PrivateKeyPEM: pemText}, "test"); err != nil {
		t.Fatal(err)
	}
	return txt
}

func TestDKIM(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			var txt string
			e := newEnv(t, nil, func(o *smtpd.Options) {
				db := o.Tenants.(*store.DB)
				txt = putKey(t, db, "Example.COM", "s1", alg)
				o.DKIMKeys = db
			})
			if !strings.Contains(txt, "k="+alg) {
				t.Fatalf("TXT record %q", txt)
			}
			c := e.client()
			if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
				t.Fatal(err)
			}
			// another From domain: not signed
			other := strings.Replace(testMsg, "alice@example.com", "alice@elsewhere.example", 1)
			if err := send(c, "alice@elsewhere.example", []string{"bob@example.org"}, other); err != nil {
				t.Fatal(err)
			}
			got := e.ups[0].Messages()
			if !bytes.HasPrefix(got[0].Data, []byte("DKIM-Signature: ")) {
				t.Fatalf("not signed: %q", got[0].Data)
			}
			verifyDKIM(t, got[0].Data, "s1", "example.com", txt)
			if bytes.Contains(got[1].Data, []byte("DKIM-Signature")) {
				t.Fatal("signed a message from a domain without a key")
			}
			// released mail is signed too
			if _, err := e.srv.Deliver(context.Background(), "alice@example.com", []string{"bob@example.org"}, []byte(testMsg)); err != nil {
				t.Fatal(err)
			}
			got = e.ups[0].Messages()
			verifyDKIM(t, got[2].Data, "s1", "example.com", txt)
		})
	}
}

// A key added while running is used after the next refresh.
func TestDKIMRefresh(t *testing.T) {
	var db *store.DB
	e := newEnv(t, nil, func(o *smtpd.Options) {
		db = o.Tenants.(*store.DB)
		o.DKIMKeys = db
		o.DKIMRefresh = 20 * time.Millisecond
	})
	c := e.client()
	if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(e.ups[0].Messages()[0].Data, []byte("DKIM-Signature")) {
		t.Fatal("signed without a key")
	}
	txt := putKey(t, db, "example.com", "s2", "ed25519")
	deadline := time.Now().Add(10 * time.Second)
	for i := 1; ; i++ {
		if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
			t.Fatal(err)
		}
		m := e.ups[0].Messages()[i]
		if bytes.HasPrefix(m.Data, []byte("DKIM-Signature")) {
			verifyDKIM(t, m.Data, "s2", "example.com", txt)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("new key never used")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestParseDKIMKey(t *testing.T) {
	if _, err := smtpd.ParseDKIMKey("not a key"); err == nil {
		t.Fatal("garbage accepted")
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	if _, err := smtpd.ParseDKIMKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))); err == nil {
		t.Fatal("ECDSA key accepted (DKIM knows RSA and Ed25519 only)")
	}
	if _, _, err := smtpd.GenerateDKIMKey("dsa"); err == nil {
		t.Fatal("unknown algorithm accepted")
	}
}
