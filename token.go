package handover

import "time"

// Token is an API token as it may be listed: never the token itself (only
// its SHA-256 is stored), but whom it acts as and when it was used.
type Token struct {
	Name     string     `json:"name"`
	Operator int64      `json:"operator"`
	Created  time.Time  `json:"created"`
	Expires  *time.Time `json:"expires"`   // nil: never expires
	LastUsed *time.Time `json:"last_used"` // nil: never used
	Revoked  *time.Time `json:"revoked"`   // nil: still valid (unless expired)
}

// Delivery is how a job's end notification (serve --notify-url) went.
type Delivery struct {
	Status   DeliveryStatus `json:"status"`
	Attempts int            `json:"attempts"`
	At       time.Time      `json:"at"`              // when the last attempt ended
	Error    string         `json:"error,omitempty"` // why the last attempt failed
}

// DeliveryStatus says whether a notification reached its receiver.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"   // attempts are still to come
	DeliveryDelivered DeliveryStatus = "delivered" // the receiver answered 2xx
	DeliveryFailed    DeliveryStatus = "failed"    // every attempt failed
)
