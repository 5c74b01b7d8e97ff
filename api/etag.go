package api

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
)

// setETag exposes a resource's version as a strong ETag.
func setETag(c *gin.Context, version int) {
	c.Header("ETag", `"`+strconv.Itoa(version)+`"`)
}

// ifMatch reads If-Match: absent or "*" means no precondition (nil); otherwise the version it names.
// A value that cannot name any version is stale by definition (412).
func ifMatch(c *gin.Context) (*int, error) {
	raw := strings.TrimSpace(c.GetHeader("If-Match"))
	if raw == "" || raw == "*" {
		return nil, nil
	}
	tag := strings.Trim(strings.TrimPrefix(raw, "W/"), `"`)
	v, err := strconv.Atoi(tag)
	if err != nil || v < 1 {
		return nil, domain.Errorf(domain.KindPreconditionFailed, "If-Match %s names no version of this resource", raw)
	}
	return &v, nil
}

// decodeWithVersion reads a write's JSON body into req, then its If-Match version; false means the
// problem was answered already.
func (s *Server) decodeWithVersion(c *gin.Context, req any) (*int, bool) {
	if err := s.decodeJSON(c, req); err != nil {
		respondError(c, err)
		return nil, false
	}
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return nil, false
	}
	return version, true
}
