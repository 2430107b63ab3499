#pragma once
// Recorded in every model file the converter writes.
inline constexpr const char* kConverterVersion = "sprig-convert 0.1.0";
