// Package docs is replaced by `make docs`.
package docs
