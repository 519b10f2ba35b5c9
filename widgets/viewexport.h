// Pictures of views: any QWidget (as drawn now, children included) or a whole QGraphicsScene,
// saved as PNG at a device pixel ratio (1x, 2x) or as SVG (QSvgGenerator), written atomically
// (QSaveFile: an existing file is only replaced once the new one is complete). Failures come
// back as one line naming the path, "<path>: <reason>"; success as an empty string.
#pragma once

#include <QByteArray>
#include <QImage>
#include <QSizeF>
#include <QString>

#include <functional>
#include <optional>

class QGraphicsScene;
class QIODevice;
class QMainWindow;
class QPainter;
class QWidget;

namespace ascope {

enum class PictureFormat : quint8 { Png, Svg };

// The format a file name asks for, by its suffix (".png", ".svg", any case); nullopt otherwise.
std::optional<PictureFormat> pictureFormatFor(const QString &path);

// The widget as it is drawn now, `ratio` device pixels per widget pixel: the image has
// widget->size() * ratio pixels and devicePixelRatio() == ratio.
QImage renderWidget(QWidget *widget, qreal ratio = 1.0);
// Every item of the scene (its items' bounding rect plus a small margin) on white.
QImage renderScene(QGraphicsScene *scene, qreal ratio = 1.0);

// A picture drawn by `paint` into the rectangle (0, 0, size) as an SVG document (size in
// pixels at 96 dpi; the viewBox is that rectangle).
QByteArray paintedSvg(QSizeF size, const std::function<void(QPainter *)> &paint, const QString &title = {});
// Font families Qt writes into SVG that browsers do not know ("Sans Serif") followed by their
// generic CSS family; paintedSvg() does this already.
QByteArray withGenericFontFamilies(QByteArray svg);
QByteArray widgetSvg(QWidget *widget, const QString &title = {});
QByteArray sceneSvg(QGraphicsScene *scene, const QString &title = {});

// Save by the path's suffix: .png at `ratio`, .svg (vector; ratio unused). Another suffix, an
// unwritable path or a failed write: "<path>: <reason>", and any existing file is untouched.
QString saveWidgetPicture(QWidget *widget, const QString &path, qreal ratio = 1.0);
QString saveScenePicture(QGraphicsScene *scene, const QString &path, qreal ratio = 1.0);

// Opens a QSaveFile on `path`, lets `write` fill it (returning "" or why it failed: then
// nothing is committed) and commits. "<path>: <reason>" on failure, "" on success.
QString writeAtomically(const QString &path, const std::function<QString(QIODevice *)> &write);
// Whether writeAtomically(path, ...) could start now (a QSaveFile opens there): "" or
// "<path>: <reason>" as writeAtomically words it. Leaves nothing behind; lets a command fail on
// an unwritable output before doing the work.
QString checkWritable(const QString &path);
// Atomic writes of finished bytes / a PNG image; "<path>: <reason>" on failure.
QString writeFileAtomically(const QString &path, const QByteArray &bytes);
QString savePng(const QImage &image, const QString &path);

// --- the GUI's File > Export picture -------------------------------------------------------

// The view the user is working in: the child of a dock or the central widget that holds the
// focus widget (the central widget when the focus is elsewhere or nowhere).
QWidget *focusedView(QMainWindow *window);

struct PictureRequest {
    QString path;
    bool wholeWindow = true;
    qreal ratio = 1.0; // PNG: 1 or 2
};
// Asks for a file and what to draw in one file dialog: the window or the view named `viewName`,
// as PNG 1x, PNG 2x or SVG (the suffix follows the choice). nullopt when the user cancels.
std::optional<PictureRequest> askPictureFile(QWidget *parent, const QString &viewName, const QString &baseName);

} // namespace ascope
