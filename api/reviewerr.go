package api

import (
	"errors"
	"net/http"

	"github.com/outpost-mail/outpost/review"
)

// reviewError maps review's errors to caller-safe API errors, or nil. It is
// part of toHTTP, the one place errors become HTTP. The handlers validate
// requests before calling review, so ErrInvalid here is a request review
// refused for a reason the handler did not foresee.
func reviewError(err error) *Error {
	switch {
	case errors.Is(err, review.ErrNotFound):
		return errorf(http.StatusNotFound, CodeNotFound, "not found")
	case errors.Is(err, review.ErrConflict):
		return conflict("the case or message is not in a state that allows this (decided meanwhile?)")
	case errors.Is(err, review.ErrInvalid):
		return invalid("review refused the request")
	}
	return nil
}
