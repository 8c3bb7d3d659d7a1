package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/outpost-mail/outpost/quota"
)

// quotaError maps quota's errors to caller-safe API errors, or nil. It is
// part of toHTTP, the one place errors become HTTP.
func quotaError(err error) *Error {
	switch {
	case errors.Is(err, quota.ErrInvalid):
		// quota.ErrInvalid messages say what was asked, never internals:
		// "quota: invalid request: <what>".
		msg := err.Error()
		if i := strings.LastIndex(msg, quota.ErrInvalid.Error()+": "); i >= 0 {
			msg = msg[i+len(quota.ErrInvalid.Error())+2:]
		} else {
			msg = "invalid quota request"
		}
		return invalid(msg)
	case errors.Is(err, quota.ErrAtCap):
		return errorf(http.StatusConflict, CodeConflict, "the quota is already at the top of the ladder")
	case errors.Is(err, quota.ErrUnknownTenant):
		return errorf(http.StatusNotFound, CodeNotFound, "not found")
	}
	return nil
}
