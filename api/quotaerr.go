package api

// quotaError maps quota's errors to caller-safe API errors, or nil.
func quotaError(err error) *Error { return nil }
