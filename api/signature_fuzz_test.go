package api

import (
	"errors"
	"testing"
	"time"
)

// FuzzVerifySignature: the header parser never panics, accepts only a
// signature made with the secret over this body, and what Sign makes verifies.
func FuzzVerifySignature(f *testing.F) {
	secret := []byte("whsec_fuzz")
	now := time.Unix(1795000000, 0)
	body := []byte(`{"id":"evt_1","type":"payment.succeeded","tenant_id":"acme"}`)
	f.Add(Sign(secret, now, body), body)
	f.Add("t=1795000000,v1=00,v1=zz", body)
	f.Add("t=,v1=", []byte{})
	f.Add(",,,=,t=1,t=2", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, b []byte) {
		err := verifySignature(secret, header, b, now)
		if err == nil && verifySignature([]byte("other"), header, b, now) == nil {
			t.Fatalf("header %q verifies under two secrets", header)
		}
		var ae *Error
		if err != nil && (!errors.As(err, &ae) || ae.Status != 401) {
			t.Fatalf("verify error %v is not a 401 API error", err)
		}
		if err := verifySignature(secret, Sign(secret, now, b), b, now); err != nil {
			t.Fatalf("Sign's own header refused: %v", err)
		}
	})
}
