"""Pure bank statement and payment file formats (no Django): parse camt/MT940/BAI2/pain, build pain.001."""
