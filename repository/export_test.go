package repository

import (
	"sync/atomic"

	"gorm.io/gorm"
)

// CountStatements counts every statement d runs from now on (queries, row reads, raw SQL and writes),
// so that a test can check a use case runs a bounded number of them. Test-only.
func CountStatements(d *DB) *atomic.Int64 {
	n := new(atomic.Int64)
	count := func(*gorm.DB) { n.Add(1) }
	const name = "test:count_statements"
	cb := d.gorm.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, count),
		cb.Row().After("gorm:row").Register(name, count),
		cb.Raw().After("gorm:raw").Register(name, count),
		cb.Create().After("gorm:create").Register(name, count),
		cb.Update().After("gorm:update").Register(name, count),
		cb.Delete().After("gorm:delete").Register(name, count),
	} {
		if err != nil {
			panic(err)
		}
	}
	return n
}

// TakeLock exposes takeLock to the tests.
var TakeLock = takeLock

// SealV1 seals plain in the first stored form, which names no key, with b's current key: what a
// version before key rotation stored. Test-only.
func SealV1(b *SecretBox, plain, where string) (string, error) {
	return b.current.seal(plain, where, sealedPrefixV1)
}
