#pragma once
#include <QString>

class Document;

namespace ql::ui {

/// The status-bar line for a document: model, sizes, both SNR means (the seed's, and over tensors that carry
/// signal, labelled), shards, rules.
QString summaryText(const Document &doc);
/// Help → Usage: how to drive the inspector, and where the full README is.
QString usageHtml();

} // namespace ql::ui
