#include "viewexport.h"

#include <QApplication>
#include <QBuffer>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QMainWindow>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

#include <QtMath>

using namespace Qt::StringLiterals;

namespace ascope {

namespace {

constexpr qreal kSceneMargin = 16; // scene units around the items

QRectF sceneSource(QGraphicsScene *scene)
{
    const QRectF items = scene->itemsBoundingRect();
    if (items.isEmpty())
        return QRectF(0, 0, 1, 1);
    return items.adjusted(-kSceneMargin, -kSceneMargin, kSceneMargin, kSceneMargin);
}

void paintWidget(QWidget *widget, QPainter *painter)
{
    widget->render(painter, QPoint(), QRegion(),
                   QWidget::RenderFlags(QWidget::DrawWindowBackground | QWidget::DrawChildren));
}

void paintScene(QGraphicsScene *scene, QPainter *painter, const QRectF &target)
{
    painter->fillRect(target, Qt::white);
    scene->render(painter, target, sceneSource(scene), Qt::KeepAspectRatio);
}

QString failure(const QString &path, const QString &reason)
{
    return path + u": "_s + reason;
}

// QSaveFile's errors are often about its temporary file; name the directory when it is missing.
QString openError(const QString &path, const QSaveFile &file)
{
    const QFileInfo dir(QFileInfo(path).absolutePath());
    if (!dir.exists())
        return failure(path, u"directory does not exist"_s);
    if (!dir.isDir())
        return failure(path, u"not a directory: "_s + dir.filePath());
    if (QFileInfo(path).isDir())
        return failure(path, u"is a directory"_s);
    return failure(path, file.errorString());
}

} // namespace

std::optional<PictureFormat> pictureFormatFor(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"png")
        return PictureFormat::Png;
    if (suffix == u"svg")
        return PictureFormat::Svg;
    return std::nullopt;
}

QImage renderWidget(QWidget *widget, qreal ratio)
{
    const QSize size = widget->size();
    QImage image(QSize(qCeil(size.width() * ratio), qCeil(size.height() * ratio)), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(ratio);
    image.fill(widget->palette().window().color());
    QPainter painter(&image);
    paintWidget(widget, &painter);
    return image;
}

QImage renderScene(QGraphicsScene *scene, qreal ratio)
{
    const QSizeF size = sceneSource(scene).size();
    QImage image(QSize(qCeil(size.width() * ratio), qCeil(size.height() * ratio)), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(ratio);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    paintScene(scene, &painter, QRectF(QPointF(), size));
    return image;
}

QByteArray paintedSvg(QSizeF size, const std::function<void(QPainter *)> &paint, const QString &title)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator generator;
    generator.setOutputDevice(&buffer);
    generator.setResolution(96);
    generator.setSize(QSize(qCeil(size.width()), qCeil(size.height())));
    generator.setViewBox(QRectF(QPointF(), size));
    generator.setTitle(title);
    generator.setDescription(u"Made by asyncscope"_s);
    QPainter painter(&generator);
    paint(&painter);
    painter.end();
    return withGenericFontFamilies(buffer.data());
}

QByteArray withGenericFontFamilies(QByteArray svg)
{
    // Qt names fontconfig's aliases ("Sans Serif", "Serif", "Monospace"), which browsers do not
    // know: they would fall back to a serif face. The generic CSS family after each keeps the look.
    svg.replace("font-family=\"Sans Serif\"", "font-family=\"Sans Serif, sans-serif\"");
    svg.replace("font-family=\"Serif\"", "font-family=\"Serif, serif\"");
    svg.replace("font-family=\"Monospace\"", "font-family=\"Monospace, monospace\"");
    return svg;
}

QByteArray widgetSvg(QWidget *widget, const QString &title)
{
    return paintedSvg(
        widget->size(), [widget](QPainter *p) { paintWidget(widget, p); }, title);
}

QByteArray sceneSvg(QGraphicsScene *scene, const QString &title)
{
    const QSizeF size = sceneSource(scene).size();
    return paintedSvg(
        size, [scene, size](QPainter *p) { paintScene(scene, p, QRectF(QPointF(), size)); }, title);
}

QString writeAtomically(const QString &path, const std::function<QString(QIODevice *)> &write)
{
    if (path.isEmpty())
        return u"(no file name): cannot write to an empty path"_s;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return openError(path, file);
    const QString reason = write(&file);
    if (!reason.isEmpty()) {
        file.cancelWriting();
        return failure(path, reason);
    }
    if (!file.commit())
        return failure(path, file.errorString());
    return {};
}

QString checkWritable(const QString &path)
{
    if (path.isEmpty())
        return u"(no file name): cannot write to an empty path"_s;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return openError(path, file);
    file.cancelWriting();
    return {};
}

QString writeFileAtomically(const QString &path, const QByteArray &bytes)
{
    return writeAtomically(
        path, [&bytes](QIODevice *d) { return d->write(bytes) == bytes.size() ? QString() : d->errorString(); });
}

QString savePng(const QImage &image, const QString &path)
{
    if (image.isNull())
        return failure(path, u"nothing to draw (empty picture)"_s);
    return writeAtomically(path, [&image](QIODevice *d) {
        return image.save(d, "PNG") ? QString() : u"cannot encode PNG: "_s + d->errorString();
    });
}

QString saveWidgetPicture(QWidget *widget, const QString &path, qreal ratio)
{
    const auto format = pictureFormatFor(path);
    if (!format)
        return failure(path, u"unknown picture format (use .png or .svg)"_s);
    if (*format == PictureFormat::Svg)
        return writeFileAtomically(path, widgetSvg(widget, widget->windowTitle()));
    return savePng(renderWidget(widget, ratio), path);
}

QString saveScenePicture(QGraphicsScene *scene, const QString &path, qreal ratio)
{
    const auto format = pictureFormatFor(path);
    if (!format)
        return failure(path, u"unknown picture format (use .png or .svg)"_s);
    if (*format == PictureFormat::Svg)
        return writeFileAtomically(path, sceneSvg(scene));
    return savePng(renderScene(scene, ratio), path);
}

QWidget *focusedView(QMainWindow *window)
{
    for (QWidget *w = QApplication::focusWidget(); w && w != window; w = w->parentWidget()) {
        QWidget *parent = w->parentWidget();
        if (w == window->centralWidget() || qobject_cast<QDockWidget *>(parent))
            return w;
    }
    return window->centralWidget();
}

std::optional<PictureRequest> askPictureFile(QWidget *parent, const QString &viewName, const QString &baseName)
{
    struct Choice {
        QString filter;
        bool wholeWindow;
        qreal ratio;
        QString suffix;
    };
    const QString view = viewName.isEmpty() ? QFileDialog::tr("View") : viewName;
    const Choice choices[] = {
        {QFileDialog::tr("Window as PNG (*.png)"), true, 1.0, u"png"_s},
        {QFileDialog::tr("Window as PNG, 2x (*.png)"), true, 2.0, u"png"_s},
        {QFileDialog::tr("Window as SVG (*.svg)"), true, 1.0, u"svg"_s},
        {QFileDialog::tr("%1 as PNG (*.png)").arg(view), false, 1.0, u"png"_s},
        {QFileDialog::tr("%1 as PNG, 2x (*.png)").arg(view), false, 2.0, u"png"_s},
        {QFileDialog::tr("%1 as SVG (*.svg)").arg(view), false, 1.0, u"svg"_s},
    };
    QStringList filters;
    for (const Choice &c : choices)
        filters << c.filter;
    QString selected = filters.first();
    QString path
        = QFileDialog::getSaveFileName(parent, QFileDialog::tr("Export Picture"),
                                       QDir::home().filePath(baseName + u".png"_s), filters.join(u";;"_s), &selected);
    if (path.isEmpty())
        return std::nullopt;
    for (const Choice &c : choices) {
        if (c.filter != selected)
            continue;
        if (QFileInfo(path).suffix().toLower() != c.suffix)
            path += u'.' + c.suffix;
        return PictureRequest{path, c.wholeWindow, c.ratio};
    }
    return PictureRequest{path, true, 1.0};
}

} // namespace ascope
