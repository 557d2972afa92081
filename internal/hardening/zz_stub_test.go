package hardening

func websocketFrameCases() []matrixCase { return nil }
func upgradeCases() []matrixCase        { return nil }
func socketIOCases() []matrixCase       { return nil }
func resourceCases() []matrixCase       { return nil }
func defectCases() []matrixCase         { return nil }
