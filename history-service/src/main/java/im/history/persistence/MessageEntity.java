package im.history.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A stored reliable message. Never on the wire: {@link im.history.service.Messages} maps it to the protocol's Message. */
@Entity
@Table(name = "message")
public class MessageEntity extends PanacheEntityBase {

    @Id
    @Column(name = "message_id")
    public String messageId;

    @Column(name = "conversation_key")
    public String conversationKey;

    @Column(name = "conversation_type")
    public String conversationType;

    @Column(name = "order_key")
    public long orderKey;

    @Column(name = "sender_id")
    public String senderId;

    @Column(name = "client_msg_id")
    public String clientMsgId;

    public String type;

    @Column(name = "sent_at")
    public long sentAt;

    /** The message as delivered (flat JSON), without prevOrderKey. */
    public String body;

    @Column(name = "search_text")
    public String searchText;

    @Column(name = "mentions_all")
    public boolean mentionsAll;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] mentioned;

    @Column(name = "revoked_at")
    public Long revokedAt;

    @Column(name = "revoked_by")
    public String revokedBy;
}
