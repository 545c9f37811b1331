"""Paints one compact contact row (initials with the status badge on them, name, favourite
star, platform marks and one line of summary), or a section's header row."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from presence_tray.core.identity import Platform
from presence_tray.ui.avatars import paint_avatar
from presence_tray.ui.badges import Badge
from presence_tray.ui.contacts_model import ModelIndex, PlatformMark, Role
from presence_tray.ui.marks import MARK_SPACING, mark_font, mark_width, paint_mark

H_PADDING = 8.0
V_PADDING = 5.0
LINE_GAP = 1.0
MIN_AVATAR = 24.0
FAVOURITE_STAR = "★"
"""Painted after a favourite's name (the words are in the row's accessible text)."""


def header_font(base: QFont) -> QFont:
    """The bold, slightly smaller font of a section header."""
    font = summary_font(base)
    font.setBold(True)
    return font


def summary_font(base: QFont) -> QFont:
    """The slightly smaller font of the summary line."""
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * 0.9)
    else:
        font.setPixelSize(max(8, round(font.pixelSize() * 0.9)))
    return font


def avatar_rect(row: QRectF) -> QRectF:
    """Where a row's initials disc goes: a square spanning both lines, at the left."""
    content = row.adjusted(H_PADDING, V_PADDING, -H_PADDING, -V_PADDING)
    side = max(MIN_AVATAR, content.height())
    return QRectF(content.left(), content.center().y() - side / 2, side, side)


class ContactsDelegate(QStyledItemDelegate):
    """Compact two-line rows of uniform height (pair with ``setUniformItemSizes(True)``)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        """The same height for every row, from the font; the width follows the view."""
        del index  # uniform rows: the height does not depend on the person
        name = QFontMetricsF(option.font)
        small = QFontMetricsF(summary_font(option.font))
        height = V_PADDING * 2 + name.height() + LINE_GAP + small.height()
        return QSize(200, round(height))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        """Paint the row's background (selection, hover), badge, texts and marks."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        painter.save()
        if index.data(Role.IS_HEADER):
            self._paint_header(painter, opt, index)
        else:
            if style is not None:
                style.drawPrimitive(
                    QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget
                )
            self._paint_content(painter, opt, index)
        painter.restore()

    @staticmethod
    def _paint_header(painter: QPainter, opt: QStyleOptionViewItem, index: ModelIndex) -> None:
        """The section's title and count at the bottom of the row, over a thin rule: the
        header reads as the top of the people below it."""
        rect = QRectF(opt.rect).adjusted(H_PADDING, V_PADDING, -H_PADDING, -LINE_GAP)
        palette: QPalette = opt.palette
        font = header_font(opt.font)
        metrics = QFontMetricsF(font)
        line = QRectF(rect.left(), rect.bottom() - metrics.height(), rect.width(), metrics.height())
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        count = str(index.data(Role.SECTION_COUNT) or 0)
        count_width = metrics.horizontalAdvance(count)
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(line, align | Qt.AlignmentFlag.AlignRight, count)
        title = metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or "").upper(),
            Qt.TextElideMode.ElideRight,
            max(0.0, line.width() - count_width - H_PADDING),
        )
        painter.drawText(line, align | Qt.AlignmentFlag.AlignLeft, title)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
        bottom = QRectF(opt.rect).bottom() - 0.5
        painter.drawLine(QPointF(rect.left(), bottom), QPointF(rect.right(), bottom))

    def _paint_content(
        self, painter: QPainter, opt: QStyleOptionViewItem, index: ModelIndex
    ) -> None:
        rect = QRectF(opt.rect)
        palette: QPalette = opt.palette
        base_font: QFont = opt.font
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        stale = bool(index.data(Role.STALE))

        name_font = QFont(base_font)
        small_font = summary_font(base_font)
        name_metrics = QFontMetricsF(name_font)
        small_metrics = QFontMetricsF(small_font)
        content = rect.adjusted(H_PADDING, V_PADDING, -H_PADDING, -V_PADDING)

        # The initials disc spans both lines; the badge sits on its lower right.
        badge = index.data(Role.BADGE)
        avatar = avatar_rect(rect)
        paint_avatar(
            painter,
            avatar,
            name=str(index.data(Role.NAME) or ""),
            person_id=str(index.data(Role.PERSON_ID) or ""),
            badge=badge if isinstance(badge, Badge) else None,
            palette=palette,
            selected=selected,
        )
        text_left = avatar.right() + H_PADDING

        marks_font = mark_font(base_font)
        marks_metrics = QFontMetricsF(marks_font)
        marks = index.data(Role.PLATFORM_MARKS) or ()
        name_line = QRectF(
            text_left, content.top(), content.right() - text_left, name_metrics.height()
        )
        marks_left = self._paint_marks(
            painter, name_line, marks, palette, marks_font, marks_metrics
        )

        roles = QPalette.ColorRole
        text_role = roles.HighlightedText if selected else roles.Text
        quiet_role = roles.HighlightedText if selected else roles.PlaceholderText
        painter.setFont(name_font)
        # A stale row is greyed; its summary says how old the value is.
        painter.setPen(palette.color(quiet_role if stale else text_role))
        star = f" {FAVOURITE_STAR}" if index.data(Role.FAVOURITE) else ""
        star_width = name_metrics.horizontalAdvance(star)
        name_rect = QRectF(
            name_line.left(),
            name_line.top(),
            max(0.0, marks_left - name_line.left() - H_PADDING / 2 - star_width),
            name_line.height(),
        )
        name = name_metrics.elidedText(
            str(index.data(Role.NAME) or ""), Qt.TextElideMode.ElideRight, name_rect.width()
        )
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(name_rect, align, name)
        if star:
            star_rect = QRectF(
                name_rect.left() + name_metrics.horizontalAdvance(name),
                name_line.top(),
                star_width,
                name_line.height(),
            )
            painter.setPen(palette.color(text_role if selected else roles.Link))
            painter.drawText(star_rect, align, star)

        painter.setFont(small_font)
        painter.setPen(palette.color(quiet_role))
        summary_rect = QRectF(
            text_left,
            name_line.bottom() + LINE_GAP,
            content.right() - text_left,
            small_metrics.height(),
        )
        summary = small_metrics.elidedText(
            str(index.data(Role.SUMMARY) or ""), Qt.TextElideMode.ElideRight, summary_rect.width()
        )
        painter.drawText(
            summary_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, summary
        )

    @staticmethod
    def _paint_marks(
        painter: QPainter,
        line: QRectF,
        marks: tuple[PlatformMark, ...],
        palette: QPalette,
        font: QFont,
        metrics: QFontMetricsF,
    ) -> float:
        """Paint the marks right-aligned on ``line``; return the left edge they took."""
        height = metrics.height()
        top = line.center().y() - height / 2
        right = line.right()
        # Painted right to left so the deciding mark (first) ends up leftmost, nearest the name.
        for mark in reversed(marks):
            platform = Platform(mark.platform)
            width = mark_width(platform, metrics)
            chip = QRectF(right - width, top, width, height)
            paint_mark(
                painter, chip, platform, emphasised=mark.deciding, palette=palette, font=font
            )
            right = chip.left() - MARK_SPACING
        return right + MARK_SPACING if marks else line.right()
