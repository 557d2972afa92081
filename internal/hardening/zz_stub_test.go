package hardening




func resourceCases() []matrixCase       { return nil }
func defectCases() []matrixCase         { return nil }
