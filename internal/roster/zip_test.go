package roster_test

import (
	"archive/zip"
	"io"
)

func newZip(w io.Writer) *zip.Writer { return zip.NewWriter(w) }
